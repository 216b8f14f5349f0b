"""Intents as data: hassil templates -> recogniser grammar + matcher."""
