"""Flashcards from the glossary, scheduled by FSRS. A library: nothing here prints or reads input.

    options.py     what the user asks for: the mode, how many cards, which terms (light to import)
    cards.py       which entries are cards, and their ids; the four ratings
    stored.py      the state file's format: cards, review logs with durations, versions
    state.py       the state file: FSRS cards and answers, atomic saves, corrupt files set aside
    scheduling.py  which cards are due, and the statistics
    questions.py   masking, distractors, and the questions of one quiz
    grading.py     whether an answer is right: typed names, picked options, self-grades
    session.py     one sitting: grading, saving each answer at once, and the question loop

This file imports nothing, so that importing `mlterms.quiz.options` (the CLI does, at start-up)
does not load FSRS.
"""
