"""voice-cecert: practise the CE-CERT model by voice, fully offline."""

__version__ = "0.1.0"
