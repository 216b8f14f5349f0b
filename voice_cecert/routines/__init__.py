"""CE-CERT routines as data: one YAML file per routine id, validated, run by `runner.py`.

File format: FORMAT.md in this folder. Loading: `loader.load(id)`; running: `runner.Runner`.
"""
