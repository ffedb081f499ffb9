"""The demo clinic behind `manage.py seed_demo`; it sits on top of every app and seeds them all."""
