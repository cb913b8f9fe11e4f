"""Structured-answer schemas: one pydantic model per answer, turned into a grammar that enforces all of it (every
field required, integer bounds as enums, lists and strings bounded) with a token budget computed from it. For each
of the four structured calls, the real embedded model sampling near-randomly under the grammar alone never writes
an object its pydantic model rejects, and never runs out of budget."""

import json
import time
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from sparring.data_model.conversation import CustomerAnalysisAnswer
from sparring.discovery.describe import DESCRIPTION_BUDGET, DESCRIPTION_SCHEMA, Description
from sparring.evaluations.judge import VERDICT_BUDGET, VERDICT_SCHEMA, VerdictAnswer
from sparring.extraction import ScenarioExtractor
from sparring.models import MeteredModel, ScriptedModel
from sparring.models.schema import UnboundedSchema, answer_schema, token_budget
from sparring.parsing import parse_model
from sparring.simulator.simulator import ANALYSIS_BUDGET, ANALYSIS_SCHEMA


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema node inside `node`, itself included."""
    items = [node["items"]] if "items" in node else []
    found = [node]
    for child in [*node.get("properties", {}).values(), *node.get("anyOf", []), *items]:
        found += nodes(child)
    return found


@pytest.fixture(scope="module")
def answers(example_suite) -> list[tuple[type[BaseModel], dict[str, Any], int]]:
    """The four structured answers: (pydantic model, schema sent, max_tokens sent)."""
    extractor = ScenarioExtractor(example_suite, MeteredModel(ScriptedModel([]), None))  # type: ignore[arg-type]
    return [
        (extractor.answer_model, extractor.schema, token_budget(extractor.schema)),
        (CustomerAnalysisAnswer, ANALYSIS_SCHEMA, ANALYSIS_BUDGET),
        (VerdictAnswer, VERDICT_SCHEMA, VERDICT_BUDGET),
        (Description, DESCRIPTION_SCHEMA, DESCRIPTION_BUDGET),
    ]


def test_every_answer_schema_requires_every_field_and_allows_no_other(answers):
    for model, schema, budget in answers:
        for node in nodes(schema):
            assert not {"minimum", "maximum", "$ref", "title", "default", "description"} & set(node), node
            if node.get("type") == "object":
                assert node["required"] == list(node["properties"]), model.__name__
                assert node["additionalProperties"] is False, model.__name__
        assert 0 < budget < 10_000, (model.__name__, budget)


def test_bounded_integers_become_enums_of_their_values(answers):
    extraction, analysis, _verdict, description = (schema for _m, schema, _b in answers)
    assert extraction["properties"]["patience"] == {"type": "integer", "enum": list(range(1, 11))}
    assert analysis["properties"]["frustration"] == {"type": "integer", "enum": list(range(0, 11))}
    assert description["properties"]["turn"]["enum"][-1] == 200


class Small(BaseModel):
    name: str = Field(..., max_length=5)
    counts: list[int] = Field(..., max_length=2)
    kind: Literal["a", "bb"]
    flag: bool | None = None


def test_the_budget_is_the_longest_json_the_grammar_allows_plus_the_end_token():
    # Every optional space taken (llama.cpp allows one after each value and mark; none after an enum value, counted
    # anyway), strings at max length, lists at max items, integers at 16 digits and a sign.
    longest = '{ "name" : "xxxxx" , "counts" : [ -1234567890123456 , -1234567890123456 ] , "kind" : "bb" , '
    longest += '"flag" : false } '
    assert token_budget(answer_schema(Small)) == len(longest) + 1


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        (str, "Bad.x: a string needs max_length"),
        (list[Annotated[str, Field(max_length=3)]], "Bad.x: a list needs max_length"),
        (dict[str, int], "Bad.x: a free-form object (dict) has no bound"),
        (Annotated[int, Field(ge=1)], "Bad.x: a grammar enforces a numeric range only as an integer with both bounds"),
        (Annotated[float, Field(ge=0, le=1)], "Bad.x: a grammar enforces a numeric range only as an integer"),
        (Annotated[int, Field(ge=0, le=1000)], "Bad.x: integer range 0..1000 is wider than 256 values"),
        (Annotated[str, Field(max_length=9, pattern="^a+$")], "Bad.x: 'pattern' is not enforced"),
        (Annotated[int, Field(gt=0, lt=9)], "Bad.x: 'exclusiveMinimum' is not enforced"),
        (list[Annotated[str, Field(min_length=1)]] | None, "Bad.x: a list needs max_length"),
    ],
)
def test_a_model_whose_answer_cannot_be_bounded_is_refused_naming_the_field(field, problem):
    bad = type("Bad", (BaseModel,), {"__annotations__": {"x": field}})
    with pytest.raises(UnboundedSchema) as refused:
        answer_schema(bad)
    assert str(refused.value).startswith(problem)


SEEDS = (1, 2)


@pytest.fixture(scope="module")
def llama():
    from llama_cpp import Llama

    from sparring.models.gguf import packaged_model_path

    model = Llama(model_path=str(packaged_model_path("smollm2")), n_ctx=8192, verbose=False)
    yield model
    model.close()


@pytest.mark.real
def test_the_grammar_alone_makes_a_schema_invalid_answer_unproducible(answers, llama):
    """Near-random sampling (temperature 3, no top-k/top-p/min-p cut) among the tokens the grammar allows: every
    sample ends by itself within the budget and validates. Measured: 26–46 s for the 8 samples on 2 cores."""
    from llama_cpp import LlamaGrammar

    started = time.monotonic()
    for model, schema, budget in answers:
        grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        for seed in SEEDS:
            out = llama.create_completion(
                "JSON:", grammar=grammar, max_tokens=budget, temperature=3.0, top_k=0, top_p=1.0, min_p=0.0, seed=seed
            )
            choice = out["choices"][0]
            assert choice["finish_reason"] == "stop", (model.__name__, seed, out["usage"], budget)
            parse_model(choice["text"], model)  # what the structured call does with the answer
    assert time.monotonic() - started < 300
