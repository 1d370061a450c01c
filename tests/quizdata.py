"""What the quiz tests share: a small glossary, a fixed time, and the quiz of a seed."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from mlterms.quiz.cards import quizzable
from mlterms.quiz.options import Mode, QuizOptions
from mlterms.quiz.questions import plan

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

NOTES = """\
# notes

### what is dropout
- aka: dropout regularization
- zeroes each unit with probability p during training; Dropouts are off at eval
- inverted dropout scales the survivors
- see also: overfitting, regularization

### what is overfitting
- fits the training data too well and generalizes badly
- see also: regularization

### what is regularization
- anything that reduces overfitting, eg weight penalties

### what is softmax
- turns scores into probabilities that sum to 1

### what is a batch normalization
- aka: batchnorm, bn
- normalizes each feature over the batch; batch-normalizations use running stats at eval

### what is relu
- max(0, x)

### what is gelu
- x times the normal CDF of x

### what is placeholder
"""


def entry(glossary, term):
    return next(e for e in glossary.entries if e.term == term)


def ask_plan(glossary, progress, seed=1, now=T0, mode="mixed", **kw):
    """The questions of a quiz with these options, as the command would plan it."""
    options = QuizOptions(mode=Mode(mode), seed=seed, **kw)
    return plan(glossary, progress, quizzable(glossary), options, now=now, rng=random.Random(seed))
