"""The embedded model's KV prefix cache (models/local.py): what it keeps, and that a restored prefix changes no answer.

Real llama.cpp on the packaged SmolLM2: the prompts are read by the model; the tokens it evaluates are counted by
observing `Llama.eval` (the first eval of a completion reads the part of its prompt that was not reused)."""

from __future__ import annotations

from typing import Any

import pytest

from sparring.data_model import Message
from sparring.models import ChatRequest
from sparring.models.local import LocalChatModel

pytestmark = pytest.mark.real

POLICY = " ".join(f"Rule {i}: a refund of order {i} needs a lookup first." for i in range(40))


def request(question: str) -> ChatRequest:
    return ChatRequest(
        messages=[Message(role="system", content=POLICY), Message(role="user", content=question)],
        temperature=0.0,
        max_tokens=8,
    )


def count_prompt_evals(model: LocalChatModel) -> list[int]:
    """Per completion, the prompt tokens the model evaluated (its first `eval`)."""
    llama = model._load()
    evaluated: list[int] = []
    first = [False]
    create, evaluate = llama.create_completion, llama.eval

    def completion(*args: Any, **kwargs: Any) -> Any:
        first[0] = True
        return create(*args, **kwargs)

    def eval_(tokens: list[int]) -> None:
        if first[0]:
            evaluated.append(len(tokens))
        first[0] = False
        evaluate(tokens)

    llama.create_completion, llama.eval = completion, eval_
    return evaluated


async def test_a_prefix_evicted_from_the_live_context_is_restored_not_reread():
    model = LocalChatModel()
    evaluated = count_prompt_evals(model)
    await model.complete(request("May I get a refund for order 3?"))
    await model.complete(ChatRequest(messages=[Message(role="user", content="Name a colour.")], max_tokens=4))
    await model.complete(request("And for order 7?"))
    first, _, third = evaluated
    assert first > 400, "the policy is read in full the first time"
    assert third < 40, f"the policy prefix came from the cache, only the question was read ({third} tokens)"
    await model.aclose()


async def test_a_restored_prefix_gives_the_same_answer_as_reading_the_whole_prompt():
    cached, fresh = LocalChatModel(), LocalChatModel(reuse_prefix=False)
    await cached.complete(request("May I get a refund for order 3?"))
    await cached.complete(ChatRequest(messages=[Message(role="user", content="Name a colour.")], max_tokens=4))
    answer = await cached.complete(request("And for order 7?"))
    assert answer.content == (await fresh.complete(request("And for order 7?"))).content
    await cached.aclose()
    await fresh.aclose()


def test_the_cache_drops_a_state_that_a_longer_one_extends_and_keeps_one_logits_row():
    model = LocalChatModel()
    llama = model._load()
    tokens = llama.tokenize(POLICY.encode())
    other = llama.tokenize(b"Name a colour, any colour you like.", add_bos=False)
    llama.eval(tokens[:100])
    llama.cache[tokens[:100]] = llama.save_state()
    llama.eval(tokens[100:200])  # the same context, read further: the next turn of a conversation
    llama.cache[tokens[:200]] = llama.save_state()
    llama.reset()
    llama.eval(tokens[:50] + other)
    llama.cache[tokens[:50] + other] = llama.save_state()
    assert list(llama.cache.cache_state) == [tuple(tokens[:200]), tuple(tokens[:50] + other)]
    assert all(state.scores.shape[0] == 1 for state in llama.cache.cache_state.values())
    llama.close()
