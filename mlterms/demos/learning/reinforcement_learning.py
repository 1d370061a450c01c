"""Reinforcement learning: Q-learning by trial and error on a 4-state corridor, against value iteration."""

from __future__ import annotations

import random

from mlterms.demos.registry import Param, demo
from mlterms.demos.report import Report

STATES, GOAL = 4, 3  # a corridor 0 - 1 - 2 - 3; reaching 3 pays 1 and ends the episode
ACTIONS = ("left", "right")
ALPHA, EPSILON, MAX_STEPS = 0.5, 0.3, 30


def move(s: int, a: int) -> tuple[int, float]:
    """The environment: (next state, reward). Left from 0 bumps into the wall and stays."""
    nxt = max(0, s - 1) if a == 0 else s + 1
    return nxt, 1.0 if nxt == GOAL else 0.0


def backup(s: int, a: int, v, gamma: float) -> float:
    """One Bellman backup of a (state, action): r + gamma V(s'), with V(goal) = 0."""
    nxt, reward = move(s, a)
    return reward + gamma * float(v[nxt])


def value_iteration(gamma: float, sweeps: int):
    """Q*(s, a) = r + gamma max_a' Q*(s', a') by repeated Bellman backups; the goal is worth 0.
    Returns Q (4, 2) and the value V = max_a Q after each sweep (sweeps + 1 rows of (4,))."""
    import torch

    q = torch.zeros(STATES, len(ACTIONS), dtype=torch.float64)
    history = [q.max(1).values]
    for _ in range(sweeps):
        v = q.max(1).values.clone()
        v[GOAL] = 0.0  # terminal: nothing follows
        q = torch.tensor([[backup(s, a, v, gamma) for a in range(2)] for s in range(GOAL)] + [[0.0, 0.0]],
                         dtype=torch.float64)  # (4, 2); the goal's row stays 0  # fmt: skip
        history.append(q.max(1).values)
    return q, history


def q_learning(gamma: float, episodes: int):
    """Tabular Q-learning with epsilon-greedy exploration (and a random first action: exploring starts,
    so every (state, action) keeps being tried); after each move,
    Q(s, a) <- Q(s, a) + alpha (r + gamma max_a' Q(s', a') - Q(s, a)). The learner never sees `move`'s
    code, only the (next state, reward) it returns. Returns Q (4, 2) and the return of every episode."""
    import torch

    rng = random.Random(int(torch.randint(0, 2**31, ())))  # seeded by torch's seed; cheaper per call
    q, returns = [[0.0, 0.0] for _ in range(STATES)], []
    for _ in range(episodes):
        s, ret = rng.randrange(GOAL), 0.0
        for t in range(MAX_STEPS):
            explore = t == 0 or rng.random() < EPSILON or q[s][0] == q[s][1]  # exploring starts
            a = rng.randrange(2) if explore else int(q[s][1] > q[s][0])
            nxt, reward = move(s, a)
            target = reward + (0.0 if nxt == GOAL else gamma * max(q[nxt]))
            q[s][a] += ALPHA * (target - q[s][a])
            ret += gamma**t * reward
            s = nxt
            if s == GOAL:
                break
        returns.append(ret)
    return torch.tensor(q, dtype=torch.float64), returns


@demo(
    summary="Reinforcement learning learns what to do from rewards, by trial and error: no labels say the "
    "right action, the agent acts, sees the reward and the next state, and improves its value estimates.",
    params=[
        Param(
            "gamma", "float", 0.9, "discount factor: a reward t steps later counts gamma^t", min=0.5, max=0.97
        ),
        Param("episodes", "int", 150, "Q-learning episodes", min=150, max=400),
    ],
)
def run(r: Report, *, gamma: float, episodes: int) -> None:
    import torch

    s = r.section("1. the world: a corridor of 4 states, the goal at the right end")
    s.note("States 0 1 2 [3]; actions left/right; entering 3 pays 1 and ends the episode, every other move pays "
           f"0; returns are discounted by gamma = {gamma:g} per step. The agent is not told this: it only sees "
           "(state, action, reward, next state).")  # fmt: skip
    q_star, history = value_iteration(gamma, 10)
    v_star = q_star.max(1).values
    v_star[GOAL] = 0.0
    policy = q_star[:GOAL].argmax(1)  # (3,) the greedy action in each non-goal state
    p = torch.zeros(GOAL, GOAL, dtype=torch.float64)  # transitions among non-goal states under the policy
    reward = torch.zeros(GOAL, dtype=torch.float64)
    for st in range(GOAL):
        nxt, rew = move(st, int(policy[st]))
        reward[st] = rew
        if nxt != GOAL:
            p[st, nxt] = 1.0
    exact = torch.linalg.solve(
        torch.eye(GOAL, dtype=torch.float64) - gamma * p, reward
    )  # V = (I - gamma P)^-1 r
    r.check_close("value iteration's V == (I - gamma P_pi)^-1 r_pi for its greedy policy (torch.linalg.solve)",
                  v_star[:GOAL], exact, atol=1e-12)  # fmt: skip
    backed = torch.tensor([max(backup(st, a, v_star, gamma) for a in range(2)) for st in range(GOAL)],
                          dtype=torch.float64)  # fmt: skip
    r.check_close("Bellman residual of V*: max_a [r + gamma V*(s')] - V*(s) == 0", backed, v_star[:GOAL], atol=1e-12,
                  kind="property")  # fmt: skip
    errors = [float((v - history[-1])[:GOAL].abs().max()) for v in history[:4]]
    s.table(["sweep", "max |V_k - V*|"], [[k, e] for k, e in enumerate(errors)], title="value iteration")
    r.check("each sweep shrinks the error by at least the factor gamma (a contraction)",
            all(b <= gamma * a + 1e-12 for a, b in zip(errors, errors[1:], strict=False)), kind="property")  # fmt: skip
    learn(r, q_star, gamma, episodes)


def learn(r: Report, q_star, gamma: float, episodes: int) -> None:
    """Section 2: Q-learning from experience, compared with value iteration's Q*."""
    import torch

    q, returns = q_learning(gamma, episodes)
    s = r.section(f"2. Q-learning: {episodes} episodes of trial and error")
    s.table(["state", "Q(left)", "Q(right)", "Q*(left)", "Q*(right)"],
            [[st, *q[st].tolist(), *q_star[st].tolist()] for st in range(GOAL)])  # fmt: skip
    window = 10
    smooth = [sum(returns[i : i + window]) / window for i in range(0, len(returns) - window + 1, window)]
    s.plot(f"discounted return while learning (epsilon-greedy), mean of each {window} episodes",
           list(range(window, len(returns) + 1, window)), learned=smooth)  # fmt: skip
    r.check_close(
        "Q-learning's table == value iteration's Q* (non-goal states)", q[:GOAL], q_star[:GOAL], atol=1e-3
    )
    greedy = [int(q[st].argmax()) for st in range(GOAL)]
    r.check_equal(
        "the greedy policy of the learned Q goes right everywhere", greedy, [1] * GOAL, kind="property"
    )
    random_return = sum(rollout(None, int(torch.randint(0, GOAL, ())), gamma) for _ in range(200)) / 200
    learned_return = sum(rollout(q, st, gamma) for st in range(GOAL)) / GOAL
    s.table(["policy", "mean discounted return from a random start"],
            [["greedy in the learned Q (each start)", learned_return], ["random actions (200 runs)", random_return]])  # fmt: skip
    r.effect("the learned policy earns more than acting at random", learned_return > random_return,
             f"{learned_return:.3f} > {random_return:.3f}")  # fmt: skip
    s.note("Value iteration needs the model of the world (move and its rewards); Q-learning gets the same Q* from "
           "samples only. No label ever said 'go right': the reward of the goal flowed back one state per update.")  # fmt: skip
    r.exercise("value-of-the-start", "Reward 1 on entering the goal, discount gamma: what is V*(0), three moves away?",
               gamma**2, given={"gamma": gamma}, tolerance=1e-3)  # fmt: skip
    r.exercise("q-update", "Q(s, a) = q, alpha = 0.5, reward r, max_a' Q(s', a') = m: what is Q(s, a) after one update?",
               0.5 * 0.25 + 0.5 * (0.0 + gamma * 0.5), given={"q": 0.25, "r": 0.0, "m": 0.5, "gamma": gamma},
               tolerance=1e-3)  # fmt: skip


def rollout(q, s: int, gamma: float) -> float:
    """The discounted return of one episode from state s: greedy in q, or random actions if q is None."""
    import torch

    ret = 0.0
    for t in range(MAX_STEPS):
        a = int(torch.randint(0, 2, ())) if q is None else int(q[s].argmax())
        s, reward = move(s, a)
        ret += gamma**t * reward
        if s == GOAL:
            break
    return ret
