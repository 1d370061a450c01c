"""Layered glossaries: the user's own notes over the bundled glossary, merged into one.

  chosen(flags, env)   the layers in use: the `-g` files, else $MLTERMS_GLOSSARY, else the
                       personal file (if it exists) over the bundled glossary
  read(layers)         each layer's file, parsed, every entry knowing its origin
  merge(parts)         one Glossary: each layer's entries, top first, minus those shadowed

Naming layers: `-g` can be repeated, and $MLTERMS_GLOSSARY holds paths separated by os.pathsep.
The word `bundled` names the shipped glossary, which is read only when named (or by default).
Shadowing is by entry: an entry hides every lower-layer entry that shares a name or alias with
it (by names.key, the rule every lookup uses). Within one layer nothing is hidden: two entries
of one file that claim a name are a `check` finding.

A library: nothing here prints, and nothing here writes (notes.py writes the personal file).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from mlterms.glossary import Entry, Glossary, bundled_path, is_bundled, load
from mlterms.names import key
from mlterms.places import personal_file

BUNDLED = "bundled"  # the name of the shipped glossary in -g and $MLTERMS_GLOSSARY
ENV = "MLTERMS_GLOSSARY"


class Layer:
    """One layer: a file. (Plain classes here, not dataclasses: this module is on define's path,
    and each dataclass costs about a millisecond to create at import.)"""

    __slots__ = ("path", "bundled")

    def __init__(self, path: str, bundled: bool = False):
        self.path = path  # as the user named it ('notes.md'), or the full path of a default file
        self.bundled = bundled  # the shipped glossary: read only, never written

    def __repr__(self) -> str:
        return f"Layer({self.path!r}, bundled={self.bundled})"


class Layers:
    """The layers in use, top first, and whether the user named them (-g or $MLTERMS_GLOSSARY)."""

    __slots__ = ("files", "named")

    def __init__(self, files: tuple[Layer, ...], named: bool):
        self.files = files
        self.named = named

    def writable(self) -> Path | None:
        """The file that `add` and `edit` write: the first named file layer, else the default
        personal file (which need not exist yet). None when only the bundled glossary is named."""
        if not self.named:
            return personal_file()
        return next((Path(layer.path) for layer in self.files if not layer.bundled), None)


def shown(path: str) -> str:
    """A layer's path in messages: 'bundled' for the shipped glossary, else the path as named."""
    return BUNDLED if is_bundled(path) else path


def split_env(value: str | None) -> list[str]:
    """$MLTERMS_GLOSSARY's paths: split on os.pathsep (not on spaces), empty items dropped."""
    return [item for item in (value or "").split(os.pathsep) if item.strip()]


def layer(name: str) -> Layer:
    """'bundled' is the shipped glossary; anything else is a file ('~' expanded), which may be the
    shipped glossary too, by another path (then it is read only all the same)."""
    if name == BUNDLED:
        return Layer(str(bundled_path()), bundled=True)
    path = os.path.expanduser(name)
    if os.path.realpath(path) == str(bundled_path()):
        return Layer(str(bundled_path()), bundled=True)  # one name for it, so that is_bundled knows it
    return Layer(path)


def chosen(flags: Sequence[str], env: str | None) -> Layers:
    """The layers in use: exactly the `-g` ones if any, else $MLTERMS_GLOSSARY's, else the default
    (the personal file over the bundled one if the personal file exists; the bundled one alone
    otherwise). A file named twice is read once, where it is first named."""
    names = list(flags) or split_env(env)
    if names:
        files: dict[str, Layer] = {}
        for name in names:
            found = layer(name)
            files.setdefault(os.path.realpath(found.path), found)
        return Layers(tuple(files.values()), named=True)
    bundled = Layer(str(bundled_path()), bundled=True)
    personal = personal_file()
    if personal.is_file():
        return Layers((Layer(str(personal)), bundled), named=False)
    return Layers((bundled,), named=False)


def read_layer(layer: Layer) -> Glossary:
    """One layer's glossary; every entry's `origin` is the layer's path. GlossaryError if unreadable."""
    glossary = load(layer.path)
    for entry in glossary.entries:
        entry.origin = glossary.path
    return glossary


def read(layers: Layers) -> list[Glossary]:
    return [read_layer(layer) for layer in layers.files]


class Shadow:
    """An entry of a lower layer hidden by one of a higher layer that shares a name with it."""

    __slots__ = ("upper", "lower", "name")

    def __init__(self, upper: Entry, lower: Entry, name: str):
        self.upper = upper
        self.lower = lower
        self.name = name  # the name they share, as the lower entry writes it


def shadows(parts: Sequence[Glossary]) -> list[Shadow]:
    """Every entry hidden by a higher layer's entry, top layer first, in file order."""
    return _merged(parts)[1]


def merge(parts: Sequence[Glossary]) -> Glossary:
    """One glossary of the layers' entries, top layer first, without the shadowed ones.

    Its `path` is the top layer's. One layer is returned as it is.
    """
    if len(parts) == 1:
        return parts[0]
    return _merged(parts)[0]


def _merged(parts: Sequence[Glossary]) -> tuple[Glossary, list[Shadow]]:
    """The merge and what it hid. Works on the layers' own indexes (Glossary.index), so that no
    name is keyed twice: the merged glossary gets its index from them."""
    claimed: dict[str, Entry] = {}  # names.key -> the visible entry of a higher layer with that name
    index: dict[str, list[Entry]] = {}
    kept: list[Entry] = []
    hidden: list[Shadow] = []
    for part in parts:
        dropped = {id(e) for k, entries in part.index.items() if k in claimed for e in entries}
        for entry in part.entries:
            if id(entry) not in dropped:
                kept.append(entry)
                continue
            name = next(n for n in entry.names if key(n) in claimed)
            hidden.append(Shadow(claimed[key(name)], entry, name))
        for k, entries in part.index.items():
            visible = [e for e in entries if id(e) not in dropped]
            if visible:
                index.setdefault(k, []).extend(visible)
                claimed.setdefault(k, visible[0])
    merged = Glossary(entries=kept, path=parts[0].path if parts else "<none>")
    for shadow in hidden:
        hides = merged.hides.setdefault(shadow.upper.term, [])
        if shadow.lower.term not in hides:
            hides.append(shadow.lower.term)
    merged.__dict__["index"] = index  # Glossary.index is a cached_property: this is its value
    return merged, hidden
