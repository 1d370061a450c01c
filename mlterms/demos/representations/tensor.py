"""Tensor: shape, strides and storage (views share memory, .contiguous() copies), broadcasting
rules by hand, and dtype; rank as the number of axes (matrix rank is the `rank` demo)."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides: the stride of an axis is the product of the sizes of the axes after it."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """NumPy/PyTorch broadcasting: align the shapes on the right, a missing axis counts as 1; two
    sizes are compatible when equal or when one is 1, and the result takes the larger. None if not."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(out)


@demo(
    summary="A tensor is an n-dimensional array with a shape, a dtype and a rank (its number of axes): "
    "underneath, a flat storage read through strides, so a transpose or a slice is a view of the same "
    "numbers, and broadcasting lines shapes up from the right.",
    params=[
        Param("a", "int", 2, "size of axis 0 of x", min=2, max=5),
        Param("b", "int", 3, "size of axis 1", min=2, max=5),
        Param("c", "int", 4, "size of axis 2", min=2, max=5),
        Param("swap", "choice", "0,2", "the two axes x.transpose swaps", choices=("0,1", "0,2", "1,2")),
    ],
)
def run(r: Report, *, a: int, b: int, c: int, swap: str) -> None:
    import torch

    x = torch.arange(a * b * c, dtype=torch.float32).reshape(a, b, c)  # storage holds 0, 1, 2, ...
    strides(r, x)
    views(r, x, tuple(int(i) for i in swap.split(",")))  # type: ignore[arg-type]
    broadcasting(r)
    dtypes(r)


def address(index, strides, offset: int = 0) -> int:
    """Where element x[index] sits in the storage: offset + sum(index_i * stride_i)."""
    return offset + sum(i * s for i, s in zip(index, strides, strict=True))


def storage_of(t):
    """The whole flat storage behind t, as a 1-D tensor (the numbers in memory order)."""
    import torch

    return torch.empty(0, dtype=t.dtype).set_(t.untyped_storage())


def check_addresses(r: Report, name: str, t) -> None:
    """Read every element of t straight from its storage by address, and compare with t[index]."""
    import itertools

    flat = storage_of(t)
    every = list(itertools.product(*map(range, t.shape)))
    same = sum(float(flat[address(i, t.stride())]) == float(t[i]) for i in every)
    r.check(name, same == len(every), f"{same} of {len(every)}", kind="reference")


def strides(r: Report, x) -> None:
    s = r.section("shape, rank, and strides into a flat storage")
    shape = tuple(x.shape)
    s.tensor(f"x = arange({x.numel()}).reshape{shape}", x)
    by_hand = contiguous_strides(shape)
    s.table(
        ["", "value"],
        [["shape", str(shape)], ["rank = .dim() = len(shape)", x.dim()], ["strides by hand", str(by_hand)],
         ["x.stride()", str(x.stride())], ["dtype", str(x.dtype)]],
    )  # fmt: skip
    r.check_equal("row-major strides by hand == x.stride()", by_hand, x.stride(), kind="reference")
    check_addresses(r, "every element: storage[sum(index * stride)] == x[index]", x)
    s.note(
        "A tensor is a flat block of numbers plus a shape and strides: stepping one along axis i moves "
        "stride[i] numbers in memory. Its rank is its number of axes (the `rank` demo: not the matrix "
        "rank of linear algebra)."
    )
    r.exercise(
        "strides",
        "What are the strides of a contiguous tensor of this shape?",
        by_hand,
        given={"shape": shape},
    )


def views(r: Report, x, axes: tuple[int, int]) -> None:
    s = r.section("a transpose is a view: same storage, swapped strides")
    t = x.transpose(*axes)
    want = list(x.stride())
    want[axes[0]], want[axes[1]] = want[axes[1]], want[axes[0]]
    s.table(
        ["tensor", "shape", "stride()", "is_contiguous()", "shares x's storage"],
        [
            ["x", str(tuple(x.shape)), str(x.stride()), x.is_contiguous(), "-"],
            [f"x.transpose{axes}", str(tuple(t.shape)), str(t.stride()), t.is_contiguous(), t.data_ptr() == x.data_ptr()],
            [f"x.transpose{axes}.contiguous()", str(tuple(t.contiguous().shape)), str(t.contiguous().stride()),
             True, t.contiguous().data_ptr() == x.data_ptr()],
        ],
    )  # fmt: skip
    r.check_equal(
        "transpose strides == x's strides with the two swapped", tuple(want), t.stride(), kind="reference"
    )
    idx = tuple(n - 1 for n in t.shape)  # the last element of the view
    check_addresses(r, "every element of the view: storage[sum(index * stride)] == t[index]", t)
    y = x.clone()
    y.transpose(*axes)[idx] = -1.0  # write through a view ...
    back = tuple(idx[axes[1]] if i == axes[0] else idx[axes[0]] if i == axes[1] else idx[i] for i in range(3))
    r.check("writing through the view changes the original", float(y[back]) == -1.0, kind="property")
    copy = t.contiguous()
    r.check_equal(
        "contiguous() copies into row-major strides", copy.stride(), tuple(contiguous_strides(tuple(t.shape))),
        kind="reference",
    )  # fmt: skip
    r.check(
        "contiguous() copies only when it must: new memory for the transpose, none for x",
        copy.data_ptr() != x.data_ptr()
        and x.contiguous().data_ptr() == x.data_ptr()
        and bool((copy == t).all()),
        kind="property",
    )
    try:
        t.view(-1)
        viewed = True
    except RuntimeError:
        viewed = False
    r.check("t.view(-1) refuses the transpose (its strides are not row-major)", not viewed, kind="property")
    s.note(
        ".view() reinterprets the same storage, so it needs strides that fit the new shape: on this "
        "transpose it raises an error, while .reshape() quietly makes a copy. Slicing "
        "(x[:, ::2]) is a view too: the step multiplies the stride."
    )
    r.check_equal(
        "x[:, ::2] is a view whose axis-1 stride doubles",
        x[:, ::2].stride(),
        (x.stride()[0], 2 * x.stride()[1], x.stride()[2]),
        kind="reference",
    )
    r.exercise(
        "transpose-strides",
        f"x has this shape and is contiguous: what are the strides of x.transpose{axes}?",
        tuple(want),
        given={"shape": tuple(x.shape), "axes": axes},
    )


def broadcasting(r: Report) -> None:
    import torch

    s = r.section("broadcasting: align shapes on the right; sizes equal or 1")
    pairs = [
        ((3, 1), (4,)),
        ((2, 1, 5), (3, 1)),
        ((8, 1, 6, 1), (7, 1, 5)),
        ((3, 2), (3,)),
        ((4, 3), (1, 4, 1)),
    ]
    pairs.append(tuple(tuple(int(n) for n in torch.randint(1, 4, (3,))) for _ in range(2)))  # type: ignore[arg-type]
    rows, agree = [], True
    for p, q in pairs:
        mine = broadcast_shape(p, q)
        try:
            ref = tuple(torch.broadcast_shapes(p, q))
        except RuntimeError:
            ref = None
        agree &= mine == ref
        rows.append([str(p), str(q), str(mine) if mine else "error", str(ref) if ref else "error"])
    s.table(["a", "b", "by hand", "torch.broadcast_shapes"], rows)
    r.check("broadcast shapes by hand == torch.broadcast_shapes (errors included)", agree, kind="reference")
    v = torch.arange(3.0)  # (3,)
    e = v.expand(4, 3)  # (4, 3) without copying
    s.note(
        "A broadcast axis is not copied: expand() gives it stride 0, so all 4 rows read the same 3 numbers. "
        "The classic trap is (N, 1) - (N,), which broadcasts to (N, N) (see the `label` demo)."
    )
    r.check_equal("v.expand(4, 3) has stride (0, 1): a view, no copy", e.stride(), (0, 1), kind="property")
    r.exercise(
        "broadcast",
        "What shape does a + b have, for tensors a and b of these shapes?",
        broadcast_shape((2, 1, 5), (3, 1)),
        given={"a": (2, 1, 5), "b": (3, 1)},
    )


def dtypes(r: Report) -> None:
    import torch

    s = r.section("dtype: how many bytes per number, and how fine the steps are")
    rows, agree = [], True
    for dt in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
        k = 0
        while float(torch.tensor(1.0, dtype=dt) + torch.tensor(2.0 ** -(k + 1), dtype=dt)) != 1.0:
            k += 1  # 2^-k is the smallest power of two that still changes 1 when added
        agree &= 2.0**-k == torch.finfo(dt).eps
        rows.append(
            [str(dt), torch.empty(0, dtype=dt).element_size(), f"2^-{k}", f"{torch.finfo(dt).eps:.3g}"]
        )
    s.table(
        ["dtype", "bytes per number", "smallest 2^-k with 1 + 2^-k != 1 (by hand)", "torch.finfo.eps"], rows
    )
    r.check("machine epsilon by search == torch.finfo(dtype).eps", agree, kind="reference")
    mixed = torch.tensor([1, 2]) + torch.tensor([0.5, 0.5])
    s.note(
        "float32 is PyTorch's default; float16 / bfloat16 halve the memory of activations and weights at "
        f"the cost of precision. int64 + float32 promotes to {mixed.dtype}: torch.result_type decides."
    )
