"""Speech recognisers: one protocol (base.py), two engines, and engine selection."""
