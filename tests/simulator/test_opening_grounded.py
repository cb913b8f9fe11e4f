"""The simulated customer opens on its scenario: a grounded opening, rephrased by the model only when the
rephrasing keeps every upfront fact and stays on topic (the `sim_opened_on_topic` check's own test)."""

from sparring import Fact, Persona, Scenario, ScriptedModel
from sparring.data_model.run import TokenUsage
from sparring.models import MeteredModel
from sparring.simulator import CustomerSimulator
from sparring.simulator.opening import first_person, grounded_opening, rephrasing_problem

SCENARIO = Scenario(
    id="late",
    persona=Persona(traits=["frustrated"], style="short angry sentences", patience=2),
    situation="Your ramen arrived 70 minutes late and was cold. You were hungry.",
    desired_outcome="A full refund of your order.",
    known_facts=[Fact(key="order number", value="O-2001", reveal="upfront"), Fact(key="email", value="m@x.io")],
)


async def opening(reply: str, scenario: Scenario = SCENARIO):
    model = ScriptedModel([reply])
    turn = await CustomerSimulator(scenario, MeteredModel(model, TokenUsage())).open()
    return turn, model


def test_the_grounded_opening_speaks_as_the_customer_with_its_upfront_facts_only():
    text = grounded_opening(SCENARIO)
    assert text == (
        "Hi. My ramen arrived 70 minutes late and was cold. I was hungry. My order number is O-2001. "
        "What I want: A full refund of my order."
    )
    assert "m@x.io" not in text, "a fact given only when asked stays out of the opening"


def test_first_person_turns_the_scenario_around():
    assert first_person("You said your card was charged; they refunded you. You know you have had refunds.") == (
        "I said my card was charged; they refunded me. I know I have had refunds."
    )
    assert first_person("The app confuses you and you are unsure.") == "The app confuses me and I am unsure."


async def test_an_off_topic_rephrasing_is_replaced_by_the_grounded_opening():
    no_facts = SCENARIO.model_copy(update={"known_facts": []})
    turn, model = await opening("Good morning, can you recommend a good book?", no_facts)
    assert turn.content == grounded_opening(no_facts) and turn.intent == "open"
    assert "off topic" in turn.directive and "grounded opening was sent as written" in turn.directive
    assert grounded_opening(no_facts) in model.requests[0].messages[-1].content, "the model was asked to rephrase it"


async def test_a_rephrasing_that_drops_an_upfront_fact_is_not_kept():
    turn, _ = await opening("MY RAMEN CAME COLD AND 70 MINUTES LATE. REFUND NOW.")
    assert turn.content == grounded_opening(SCENARIO)
    assert "left out order number 'O-2001'" in turn.directive


async def test_an_on_topic_rephrasing_with_the_facts_is_kept():
    turn, _ = await opening("ramen 70 min late, COLD. order O-2001. want my money back!!")
    assert turn.content == "ramen 70 min late, COLD. order O-2001. want my money back!!"
    assert "rephrasing kept" in turn.directive


def test_the_kept_test_is_the_checks_topic_test_and_keeps_the_gist():
    no_facts = SCENARIO.model_copy(update={"known_facts": []})
    grounded = grounded_opening(no_facts)  # ramen arrived minutes late cold hungry want full refund
    assert rephrasing_problem("I love sunny weather", no_facts, grounded) == (
        "was off topic (no word or id of the scenario)"
    )
    assert rephrasing_problem("ramen late and cold, I want a full refund", no_facts, grounded) is None


async def test_a_rephrasing_that_echoes_a_word_around_its_own_message_is_not_kept():
    # what the embedded model wrote in the demo: one or two words of the scenario in an agent-like message
    echo = "Thank you for your patience! We have special requests to address today. Your order was late, enjoy it."
    turn, _ = await opening(echo + " O-2001")
    assert turn.content == grounded_opening(SCENARIO)
    assert "kept too little of the grounded opening (2 of its 11 words)" in turn.directive
