"""Rank: the number of axes of a tensor, and the matrix rank it is confused with."""

from __future__ import annotations

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report


def nesting_depth(values) -> int:
    """How many indices pick one number out of nested lists: 0 for a number, 1 for a list, ..."""
    depth = 0
    while isinstance(values, list):
        depth += 1
        values = values[0]
    return depth


def matrix_rank_by_hand(A, tol: float = 1e-9) -> int:
    """Row-reduce a copy of A (Gaussian elimination with partial pivoting) and count the pivots."""
    A = A.double().clone()
    rows, cols = A.shape
    scale = max(1.0, float(A.abs().max())) if A.numel() else 1.0
    rank = 0
    for c in range(cols):
        if rank == rows:
            break
        pivot = rank + int(A[rank:, c].abs().argmax())
        if abs(A[pivot, c]) <= tol * scale:
            continue  # no pivot in this column: it depends on the earlier ones
        A[[rank, pivot]] = A[[pivot, rank]]
        A[rank + 1 :] -= A[rank + 1 :, c : c + 1] / A[rank, c] * A[rank]
        rank += 1
    return rank


@demo(
    summary="The rank of a tensor is its number of dimensions (axes), len(shape): scalar 0, vector 1, "
    "matrix 2; not the same as the matrix rank of linear algebra.",
    params=[
        Param("rows", "int", 4, "rows of the matrix A = B C", min=1, max=8),
        Param("cols", "int", 5, "columns of A", min=1, max=8),
        Param("inner", "int", 2, "inner size k of B (rows, k) @ C (k, cols)", min=0, max=8),
    ],
)
def run(r: Report, *, rows: int, cols: int, inner: int) -> None:
    import torch

    tensor_rank(r)
    s = r.section("matrix rank is something else")
    s.note(
        "The matrix rank counts the linearly independent rows (equally, columns) of a 2-D tensor. Every "
        "matrix has tensor rank 2, but its matrix rank can be anything from 0 to min(rows, cols). By "
        "hand: row-reduce and count the pivots."
    )
    dep = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # row 1 = 2 * row 0
    one = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]])  # all multiples of row 0
    B = torch.randint(-3, 4, (rows, inner)).double()  # (rows, k)
    C = torch.randint(-3, 4, (inner, cols)).double()  # (k, cols)
    A = B @ C  # (rows, cols): its rows are combinations of the k rows of C
    s.tensor("row 1 = 2 x row 0", dep)
    s.tensor(f"A = B @ C, B ({rows}, {inner}), C ({inner}, {cols})", A)
    table = []
    for name, M in [("row 1 = 2 x row 0", dep), ("all rows multiples of row 0", one), ("A = B @ C", A)]:
        by_hand, ref = matrix_rank_by_hand(M), int(torch.linalg.matrix_rank(M))
        table.append([name, M.dim(), by_hand, ref])
        r.check_equal(f"{name}: row reduction == torch.linalg.matrix_rank", by_hand, ref, kind="reference")
    s.table(["matrix", "tensor rank (.dim())", "matrix rank by hand", "torch.linalg.matrix_rank"], table)
    bound = min(rows, cols, inner)
    r.check(
        "rank(B @ C) <= min(rows, cols, k)",
        by_hand <= bound,  # the loop's last matrix is A
        f"{by_hand} <= {bound}",
        kind="property",
    )
    s.note(
        f"A has {rows} rows, but each is a combination of the {inner} rows of C, so at most "
        f"{bound} of them are independent: turn `inner` down and watch the rank follow."
    )
    r.exercise(
        "matrix-rank",
        "What is the matrix rank of A?",
        table[-1][2],
        given={"A": A},
    )


def tensor_rank(r: Report) -> None:
    import torch

    s = r.section("tensor rank = number of axes = indices needed to pick one number")
    examples = [
        ("scalar", torch.tensor(3.5)),
        ("vector of 3 numbers", torch.randn(3)),
        ("matrix", torch.randn(2, 3)),
        ("an RGB image (C, H, W)", torch.randn(3, 2, 2)),
        ("a batch of RGB images (N, C, H, W)", torch.randn(2, 3, 2, 2)),
    ]
    rows = [[name, t.dim(), str(tuple(t.shape)), nesting_depth(t.tolist())] for name, t in examples]
    r.check_equal(
        "every example: .dim() == indices to reach a number",
        [row[1] for row in rows],
        [row[3] for row in rows],
        kind="reference",
    )
    s.table(["tensor", ".dim()", "shape", "indices to reach a number"], rows)
    s.note(
        "'Dimensions' is ambiguous: a vector of 3 numbers is a point in 3-D space, yet its tensor rank "
        "is 1 (one axis, of size 3). PyTorch calls the rank .dim() or .ndim; NumPy calls it ndim."
    )
    shape = tuple(int(n) for n in torch.randint(1, 5, (int(torch.randint(1, 5, ())),)))
    r.exercise(
        "tensor-rank",
        "What is the tensor rank of a tensor of this shape?",
        len(shape),
        given={"shape": shape},
    )
