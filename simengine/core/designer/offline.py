"""The offline designer: a valid scenario from the keywords of a brief, no model needed.

Deterministic: the same brief always gives the same scenario. It reads places (hospital,
school, docks...), people (nurses, rescuers, a crowd, a mayor), counts ("three nurses",
"only one boat", "40 patients"), hazards (a levee, supplies) and a council-style brief
(vote, debate) that becomes a dialogue world.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

NUMBERS = {
    "no": 0, "zero": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "few": 3, "several": 4, "dozen": 12, "couple": 2,
}  # fmt: skip
NUMBER = r"(\d+|" + "|".join(NUMBERS) + r")"
DIALOGUE_WORDS = ("council", "vote", "debate", "negotiat", "committee", "meeting", "deliberat")
PLACES = {  # id: (words, elevation, civilians, injured)
    "hospital": (("hospital", "clinic", "ward"), 5, 30, 8),
    "school": (("school",), 4, 25, 2),
    "church": (("church", "chapel"), 8, 12, 0),
    "care_home": (("care home", "nursing home", "retirement"), 5, 18, 6),
    "village": (("village", "town", "houses", "neighbourhood", "neighborhood"), 3, 20, 0),
    "stadium": (("stadium", "mall", "station"), 4, 30, 2),
}
MEDICS = ("nurse", "medic", "paramedic", "doctor")
RESCUERS = ("rescuer", "firefighter", "lifeguard", "volunteer", "soldier", "crew")
LEADERS = ("mayor", "coordinator", "commander", "chief", "director")
CROWDS = ("crowd", "civilian", "patient", "resident", "villager", "people")
COUNCIL_ROLES = ("mayor", "engineer", "farmer", "doctor", "scientist", "teacher", "nurse")


def _count(text: str, nouns: tuple[str, ...]) -> int | None:
    """The number written before one of `nouns` ("three tired nurses" -> 3), if any."""
    alternatives = "|".join(re.escape(n) for n in nouns)
    pattern = rf"\b{NUMBER}\s+(?:[a-z-]+\s+){{0,2}}?(?:{alternatives})"
    match = re.search(pattern, text)
    if match is None:
        return None
    word = match.group(1)
    return int(word) if word.isdigit() else NUMBERS[word]


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(w)}", text) for w in words)


def _title(brief: str) -> str:
    first = re.split(r"[,.;:!?()]", brief.strip(), maxsplit=1)[0]
    words = re.findall(r"[A-Za-z0-9'-]+", first)[:8]
    title = " ".join(words) or "Designed scenario"
    return f"Design: {title[0].upper()}{title[1:]}"[:120]


def offline_design(brief: str, *, agent_model: str = "offline/heuristic") -> dict[str, Any]:
    """A complete scenario document for `brief` (validate it with `parse_spec`)."""
    text = " ".join(brief.lower().split())
    base = {
        "name": _title(brief),
        "description": " ".join(brief.split())[:1000] or "A scenario designed offline.",
        "mode": "discrete",
        "seed": zlib.crc32(text.encode()) % 10_000,
        "evaluation": {"model": "offline/heuristic"},
    }
    if _mentions(text, DIALOGUE_WORDS):
        return {**base, **_dialogue(text, brief, agent_model)}
    return {**base, **_flood(text, agent_model)}


def _ticks(text: str, default: int) -> int:
    match = re.search(r"\b(\d{1,3})\s+(?:ticks|rounds|turns|steps)\b", text)
    return max(3, min(200, int(match.group(1)))) if match else default


def _flood(text: str, model: str) -> dict[str, Any]:
    locations, routes, boats = _map(text)
    main = locations[1]["id"]
    crowd = _mentions(text, CROWDS)
    templates = _flood_templates(text, main, boats, crowd, model)
    max_ticks = _ticks(text, 30)
    at_risk = sum(loc.get("civilians", 0) for loc in locations)
    heavy = _mentions(text, ("heavy", "torrential", "storm", "hurricane", "fast"))
    return {
        "world": {
            "kind": "flood",
            "params": {
                "rain_intensity": 0.9 if heavy else 0.6,
                "water_rise_per_tick": 0.25,
                "levee_height": 3.0,
            },
            "locations": locations,
            "routes": routes,
            "resources": {"food": 100, "medkits": 20},
        },
        "agent_templates": templates,
        "rooms": _team_room(templates),
        "events": _hazards(text, max_ticks),
        "termination": {
            "max_ticks": max_ticks,
            "success": {"metric": "rescued_fraction", "op": ">=", "value": 0.9},
            "failure": {"metric": "casualties", "op": ">=", "value": max(5, at_risk // 4)},
        },
    }


def _map(text: str) -> tuple[list[dict[str, Any]], list[list[Any]], int]:
    """Locations (the shelter first, then the places named), routes, and the boats."""
    places = [pid for pid, (words, *_rest) in PLACES.items() if _mentions(text, words)]
    places = places or ["village"]
    locations: list[dict[str, Any]] = [
        {"id": "hilltop", "elevation": 30, "shelter": True, "capacity": 300}
    ]
    for pid in places:
        _, elevation, civilians, injured = PLACES[pid]
        locations.append(
            {"id": pid, "elevation": elevation, "civilians": civilians, "injured": injured}
        )
    if _mentions(text, CROWDS):
        size = _count(text, CROWDS) or 0
        locations[1]["civilians"] += size if size >= 5 else 40  # "a crowd" is not one person
    boats = _count(text, ("boat",))
    boats = (1 if _mentions(text, ("boat",)) else 0) if boats is None else boats
    routes: list[list[Any]] = [[pid, "hilltop", 2] for pid in places]
    if boats:
        locations.append({"id": "docks", "elevation": 1, "boats": boats})
        routes.insert(0, ["docks", places[0], 1])
    return locations, routes, boats


def _hazards(text: str, max_ticks: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    if _mentions(text, ("levee", "dam", "breach", "storm surge")):
        events.append({"at_tick": max(1, max_ticks // 3), "type": "levee_breach"})
    if _mentions(text, ("supply", "supplies", "helicopter", "airdrop")):
        drop = {"location": "hilltop", "food": 40, "medkits": 10}
        events.append({"at_tick": max(1, max_ticks // 2), "type": "supply_drop", "params": drop})
    return events


def _team_room(templates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    members = [f"template:{t['id']}" for t in templates if t["id"] not in ("storm", "crowd")]
    return [{"id": "team", "members": members}] if members else []


def _rescuer_count(text: str, boats: int, medic: bool) -> int:
    explicit = _count(text, RESCUERS)
    if explicit is not None:
        return explicit
    if _mentions(text, RESCUERS):
        return 2
    if boats:
        return min(boats, 2)
    return 0 if medic else 2


def _template(tid: str, count: int, name: str, role: str, **fields: Any) -> dict[str, Any]:
    named = f"{name} {{n}}" if count > 1 else name
    return {"id": tid, "kind": "human", "count": count, "name": named, "role": role, **fields}


HELPERS = ["move", "rescue", "unload", "share", "say", "wait"]


def _medics(text: str, main: str, model: str) -> list[dict[str, Any]]:
    medic = next((w for w in MEDICS if _mentions(text, (w,))), None)
    if medic is None:
        return []
    return [
        _template(
            medic, _count(text, (medic,)) or 2, medic.title(), medic.title(),
            persona=f"A {medic} who puts the injured first.", model=model,
            emotion={"fear": 0.3, "stress": 0.5, "hope": 0.5, "empathy": 0.9},
            actions=[*HELPERS[:4], "treat", "say", "wait"], start=main,
            params={"medkits": 6}, goals=["Keep the injured alive until they are safe."],
        )
    ]  # fmt: skip


def _rescuers(text: str, main: str, boats: int, medics: bool, model: str) -> list[dict]:
    count = _rescuer_count(text, boats, medics)
    if not count:
        return []
    pilots = boats and not _mentions(text, RESCUERS)
    return [
        _template(
            "rescuer", count, "Boat pilot" if pilots else "Rescuer", "Rescue crew",
            persona="Steady crew member who knows the water.", model=model,
            actions=HELPERS, start="docks" if boats else main,
            goals=["Bring as many people as possible to the hilltop."],
        )
    ]  # fmt: skip


def _crowd(text: str, main: str, model: str) -> list[dict[str, Any]]:
    fear = 0.85 if _mentions(text, ("panic", "scared", "terrified", "frightened")) else 0.5
    return [
        _template(
            "crowd", 3, "Civilian", "Frightened civilian in the crowd",
            persona="Someone caught in the crowd who wants to get out.", model=model,
            emotion={"fear": fear, "stress": fear, "hope": 0.3, "empathy": 0.5},
            actions=["move", "say", "wait"], start=main, goals=["Reach safety."],
        )
    ]  # fmt: skip


def _coordinator(leader: str | None, model: str) -> dict[str, Any]:
    return _template(
        "coordinator", 1, (leader or "coordinator").title(), "Incident coordinator",
        persona="Keeps everyone informed from the shelter.", model=model,
        actions=["share", "say", "broadcast", "wait"], start="hilltop",
        goals=["Coordinate the teams so nobody is left behind."],
    )  # fmt: skip


def _flood_templates(
    text: str, main: str, boats: int, crowd: bool, model: str
) -> list[dict[str, Any]]:
    storm = {"id": "storm", "kind": "environment", "name": "River", "role": "The rising water"}
    medics = _medics(text, main, model)
    templates = [storm, *medics, *_rescuers(text, main, boats, bool(medics), model)]
    if crowd:
        templates += _crowd(text, main, model)
    leader = next((w for w in LEADERS if _mentions(text, (w,))), None)
    if leader or len(templates) == 1:
        templates.append(_coordinator(leader, model))
    return templates


def _options(brief: str) -> list[str]:
    match = re.search(
        r"\b(?:whether to|between)\s+(.{3,80}?)\s+(?:or|and)\s+(.{3,80}?)(?:[.,;?!]|$)",
        brief,
        flags=re.IGNORECASE,
    )
    if match and match.group(1).strip().lower() != match.group(2).strip().lower():
        return [match.group(1).strip(), match.group(2).strip(), "find a compromise"]
    return ["act now", "wait for more information", "find a compromise"]


def _dialogue(text: str, brief: str, model: str) -> dict[str, Any]:
    roles = [r for r in COUNCIL_ROLES if _mentions(text, (r,))][:5]
    roles += [r for r in ("chair", "skeptic", "advocate") if len(roles) < 3]
    options = _options(brief)
    templates = [
        {
            "id": role,
            "name": role.title(),
            "role": role.title(),
            "persona": f"A {role} with strong views who must still reach a decision.",
            "model": model,
            "actions": ["say", "propose", "accept", "reject", "vote", "wait"],
            "params": {"prefers": options[i % len(options)]},
        }
        for i, role in enumerate(roles)
    ]
    return {
        "world": {
            "kind": "dialogue",
            "params": {"topic": " ".join(brief.split())[:300], "options": options, "quorum": 0.75},
        },
        "agent_templates": templates,
        "rooms": [{"id": "council", "members": [t["name"] for t in templates]}],
        "termination": {
            "max_ticks": _ticks(text, 20),
            "success": {"metric": "decided", "op": "==", "value": 1},
        },
    }
