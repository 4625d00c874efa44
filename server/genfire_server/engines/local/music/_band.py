"""Who plays what: the band's instruments cast into the parts of the arrangement.

Every piece has the same parts (chords, pad, lead, bass, drums, arpeggio, counter-lines,
vocals); which instrument takes each, and with which of its patches, follows from what
the prompt named and how the genre plays, so a "jazz trio" comps on piano while a rock
band's electric guitar plays power chords.
"""

from __future__ import annotations

from dataclasses import dataclass

from genfire_server.engines.local.music._prompt import Brief


@dataclass
class Roles:
    """Which instrument (and which of its patches) plays each part."""

    voices: dict[str, str]  # role -> voice
    players: dict[str, str]  # role -> instrument
    comp_style: str


_COMP_VOICE = {"piano": "piano", "electric piano": "epiano", "organ": "organ", "guitar": "guitar",
               "electric guitar": "power", "synth": "pluck"}  # fmt: skip
_PAD_VOICE = {"pad": "pad", "strings": "strings", "organ": "organ"}
_LEAD_VOICE = {
    "synth": "lead", "flute": "flute", "brass": "brass", "electric guitar": "guitar_lead",
    "strings": "strings_lead", "bells": "bells", "piano": "piano", "electric piano": "epiano",
    "guitar": "guitar", "organ": "organ", "pad": "pad",
}  # fmt: skip
_BASS_VOICE = {"synth": "bass_synth", "electric": "bass_electric", "upright": "bass_upright",
               "sub": "bass_sub", "bowed": "bass_bowed", "square": "bass_square"}  # fmt: skip


def assign_roles(brief: Brief) -> Roles:
    style = brief.style
    present = list(brief.instruments)
    voices: dict[str, str] = {}
    players: dict[str, str] = {}

    def give(role: str, instrument: str, voice: str) -> None:
        voices[role], players[role] = voice, instrument

    if "bass" in present:
        give("bass", "bass", "bass_square" if style.chip else _BASS_VOICE[style.bass_tone])
    if "drums" in present:
        give("drums", "drums", "drums")
    pitched = [i for i in present if i not in ("bass", "drums")]
    comp_style = style.comp
    comp = next((i for i in pitched if i in _COMP_VOICE and i != "synth"), None)
    if comp is None and "synth" in pitched and style.comp in ("stabs", "arp"):
        comp = "synth"
    if comp is not None:
        voice = _COMP_VOICE[comp]
        if comp == "synth" and style.chip:
            voice = "chip_pluck"
        if comp == "guitar" and comp_style not in ("stabs", "jazz", "arp"):
            comp_style = "strum"
        elif comp == "electric guitar" and comp_style != "power":
            voice = "guitar"
        elif comp != "electric guitar" and comp_style == "power":
            comp_style = "block"
        give("comp", comp, voice)
    pad = next((i for i in pitched if i in _PAD_VOICE and i != comp), None)
    if pad is not None:
        give("pad", pad, _PAD_VOICE[pad])
    lead_order = ("synth", "flute", "brass", "electric guitar", "strings", "bells", "piano",
                  "electric piano", "guitar", "organ", "pad")  # fmt: skip
    taken = {comp, pad}
    lead = next((i for i in lead_order if i in pitched and i not in taken), None)
    if lead is None:
        lead = comp if comp is not None else pad
    if lead is not None:
        voice = _LEAD_VOICE[lead]
        if lead == "synth" and style.chip:
            voice = "chip_lead"
        give("lead", lead, voice)
    if "bells" in pitched and lead != "bells":
        give("arp", "bells", "bells")
    leftovers = [i for i in pitched if i not in set(players.values())]
    for i, instrument in enumerate(leftovers):
        give(f"counter{i}", instrument, _LEAD_VOICE[instrument])
    if brief.vocals:
        give("vocal", "vocals", "choir" if brief.choir else "vocal_ooh")
    return Roles(voices, players, comp_style)
