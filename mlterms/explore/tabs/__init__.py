"""The explorer's tabs, one module each: definition, demo, exercise, path and quiz.

A tab only draws and reads input; it asks the app (through messages) to open a term, and the
library to run a demo, grade an answer or save a card.
"""
