"""`mlterms explore`: the glossary as a full-screen Textual app.

The left column lists the terms (with a fuzzy filter); the right holds tabs for the open term:
its definition and links, its demo with knobs, the demo's exercises, its reading order, and the
quiz. Textual is imported only by this package, and this package only by `mlterms explore`, so
the other commands never pay for it. torch loads in a worker thread when a demo runs.

  app.py       the App: layout, keys, the history of opened terms, the too-small screen
  model.py     what the app shows, without Textual: entries by term, demos, links, reading order
  matching.py  the term filter (names and aliases, fuzzily)
  widgets.py   the pieces: an input that Escape leaves, the term list, the link bar
  keys.py      the key list (the `?` screen)
  tabs/        one module per tab
"""
