"""One-shot effects: impacts, explosions, whooshes, doors, glass, guns, lasers, UI sounds.

Each is built the way a Foley artist would layer it: a low body (a falling sine sweep,
the "thump"), a transient (a burst of band-limited noise, the "crack"), and the ringing
of whatever was struck (modal resonances of metal, wood or glass). Weight lowers and
lengthens the body, material picks the resonances, speed tightens the timing. On a loop
the event repeats on an even grid, so the loop has a rhythm rather than one lonely hit.
"""

from __future__ import annotations

import numpy as np

from genfire_server.engines.local._music_dsp import F64, RATE, band_noise, fast_size, samples
from genfire_server.engines.local._sfx_canvas import Canvas, Params, decay, fade_tail, modes

# material -> (partial ratios, relative levels, base frequency Hz, decay seconds)
_MATERIALS: dict[str, tuple[list[float], list[float], float, float]] = {
    "metal": ([1.0, 1.59, 2.76, 3.9, 5.40, 8.93], [1.0, 0.5, 0.6, 0.3, 0.35, 0.2], 420.0, 0.9),
    "wood": ([1.0, 2.57, 4.2, 6.1], [1.0, 0.5, 0.25, 0.1], 190.0, 0.08),
    "glass": ([1.0, 2.32, 4.25, 6.63], [1.0, 0.5, 0.3, 0.15], 1800.0, 0.5),
    "stone": ([1.0, 1.83, 3.1], [1.0, 0.4, 0.2], 120.0, 0.03),
    "plastic": ([1.0, 2.1, 3.7], [1.0, 0.4, 0.2], 600.0, 0.04),
}


def sweep(seconds: float, start: float, end: float, tau_pitch: float, tau_amp: float) -> F64:
    """A sine whose pitch falls from `start` to `end` Hz: every kick, thud and boom."""
    t, env = decay(seconds, tau_amp, attack=0.001)
    cycles = end * t + (start - end) * tau_pitch * (1.0 - np.exp(-t / tau_pitch))
    out: F64 = np.sin(2 * np.pi * cycles) * env
    return out


def burst(rng: np.random.Generator, seconds: float, low: float, high: float, tau: float) -> F64:
    """A burst of band-limited noise with a sharp attack: cracks, slaps, scrapes."""
    _, env = decay(seconds, tau)
    out: F64 = band_noise(rng, env.size, low, high) * env
    return out


def ring(
    material: str, rng: np.random.Generator, p: Params, seconds: float, level: float = 1.0
) -> F64:
    """The struck object's own resonances, lower and longer when heavy."""
    ratios, amps, base, tau = _MATERIALS.get(material, _MATERIALS["stone"])
    base *= 2.0 ** (0.7 * p.pitch - 0.8 * p.weight) * p.vary(rng, 0.08)
    freqs = [base * r * p.vary(rng, 0.01) for r in ratios]
    taus = [tau * (1.0 + 0.5 * p.weight) / (1.0 + 0.4 * i) for i in range(len(ratios))]
    out: F64 = (
        level * modes(seconds, freqs, taus, [a * level for a in amps]) / max(1.0, float(sum(amps)))
    )
    return out


def convolve(a: F64, b: F64) -> F64:
    size = fast_size(a.size + b.size - 1)
    out: F64 = np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(b, size), size)[
        : a.size + b.size - 1
    ]
    return out


def pad_sum(*parts: F64) -> F64:
    """Sum arrays of different lengths, aligned at the start."""
    out = np.zeros(max(p.size for p in parts))
    for part in parts:
        out[: part.size] += part
    return out


def delayed(x: F64, seconds: float) -> F64:
    return np.concatenate([np.zeros(samples(seconds)), x])


def repeats(c: Canvas, period: float, first: float = 0.02) -> list[float]:
    """When the event happens: once near the start, or on an even grid round a loop."""
    if not c.loop:
        return [first]
    count = max(1, round(c.seconds / max(period, 0.05)))
    return [k * c.seconds / count for k in range(count)]


# ---------------------------------------------------------------------------- impacts


def _impact_event(p: Params, rng: np.random.Generator) -> F64:
    w = p.weight
    variant = p.variant
    material = p.material or ("metal" if variant == "metal" else None)
    if variant == "punch":
        body = sweep(0.35, 160.0, 70.0 - 15 * w, 0.02, 0.08 + 0.06 * w)
        slap = burst(rng, 0.12, 900.0, 8000.0, 0.012)
        # The fist's swish comes before the smack: a noise burst played backwards.
        swish = burst(rng, 0.08, 500.0, 3000.0, 0.03)[::-1]
        event = pad_sum(0.25 * swish, delayed(pad_sum(body, 0.7 * slap), 0.07))
    elif variant == "thud":
        body = sweep(0.8, 110.0, 45.0 - 12 * w, 0.03, 0.18 + 0.15 * w)
        dull = burst(rng, 0.3, 40.0, 900.0 - 300 * w, 0.05)
        event = pad_sum(body, 0.5 * dull)
    else:
        body = sweep(0.9, 140.0 + 40 * p.pitch, 55.0 - 18 * w, 0.025, 0.14 + 0.16 * w)
        crack = burst(rng, 0.2, 200.0, 6000.0 + 3000 * p.pitch, 0.012 - 0.004 * w)
        event = pad_sum(body, 0.6 * crack)
    if variant == "crash":
        # A collision: a deep body hit, crumpling metal and a spray of broken glass.
        event = pad_sum(
            sweep(1.2, 120.0, 40.0 - 10 * w, 0.04, 0.3 + 0.15 * w),
            0.7 * burst(rng, 1.0, 150.0, 5000.0, 0.15),
            ring("metal", rng, p, 1.5, 0.7),
            delayed(0.5 * _shatter(p, rng), 0.04),
        )
        return fade_tail(event, 0.05)
    if material is not None:
        length = 2.5 if material in ("metal", "glass") else 0.6
        event = pad_sum(event, ring(material, rng, p, length, 0.9 if material == "metal" else 0.6))
    elif variant == "hit":
        event = pad_sum(event, ring("wood", rng, p, 0.4, 0.25))
    return fade_tail(event)


def impact(c: Canvas, p: Params) -> str:
    for time in repeats(c, 0.9 - 0.35 * p.speed):
        c.place(time, _impact_event(p, c.rng), pan=0.1 * c.rng.uniform(-1, 1) * p.jitter)
    names = {"punch": "punch", "thud": "thud", "metal": "metal clang", "crash": "crash"}
    return names.get(p.variant, "impact")


def _explosion_event(c: Canvas, p: Params) -> F64:
    rng = c.rng
    w = p.weight
    length = 4.0 + 2.0 * w
    crack = burst(rng, 0.3, 800.0, 11000.0, 0.025)
    boom = sweep(length, 75.0, 28.0 - 6 * w, 0.12, 0.9 + 0.6 * w)
    t, env = decay(length, 1.4 + 0.8 * w, attack=0.03)
    rumble = band_noise(rng, t.size, 20.0, 260.0) * env
    mid = band_noise(rng, t.size, 200.0, 2200.0) * np.exp(-t / (0.35 + 0.2 * w))
    # Debris: small clicks whose density thins out after the blast.
    count = int(40 + 40 * (w + 1))
    times = 0.15 + rng.exponential(0.6 + 0.3 * w, size=count)
    debris = np.zeros(t.size)
    keep = times < length - 0.1
    positions = np.round(times[keep] * RATE).astype(np.int64)
    np.add.at(
        debris,
        positions,
        rng.uniform(0.1, 0.5, size=positions.size) * rng.choice([-1, 1], positions.size),
    )
    click = burst(rng, 0.02, 1500.0, 7000.0, 0.003)
    debris = convolve(debris, click)[: t.size]
    event = pad_sum(0.8 * crack, 1.1 * boom, 0.9 * rumble, 0.5 * mid, 0.35 * debris)
    return fade_tail(event, 0.05)


def explosion(c: Canvas, p: Params) -> str:
    for time in repeats(c, 4.0 + 2.0 * p.weight):
        c.place(time, _explosion_event(c, p))
    return "explosion"


# ---------------------------------------------------------------------------- whoosh


def _whoosh_event(p: Params, rng: np.random.Generator) -> F64:
    length = max(0.25, (0.9 - 0.35 * p.speed + 0.25 * p.weight) * p.vary(rng, 0.15))
    low = 250.0 * 2.0 ** (-0.8 * p.weight)
    high = 2600.0 * 2.0 ** (0.7 * p.pitch - 0.5 * p.weight)
    peak_at = 0.55 + 0.1 * rng.uniform(-1, 1) * p.jitter

    def shape(times: F64, freqs: F64) -> F64:
        x = np.clip(times / length, 0.0, 1.0)
        rise = np.clip(x / peak_at, 0.0, 1.0)
        fall = np.clip((1.0 - x) / (1.0 - peak_at), 0.0, 1.0)
        env = np.where(x < peak_at, rise**2.5, fall**1.5) * (times >= 0) * (times <= length)
        centre = low * (high / low) ** env
        octaves = np.log2(np.maximum(freqs[None, :], 20.0) / centre[:, None])
        out: F64 = env[:, None] * np.exp(-0.5 * (octaves / 1.1) ** 2)
        return out

    local = Canvas(samples(length + 0.05), False, rng)
    sound = local.spectral(shape, width=0.3)
    # The air moves past you: left to right across the whoosh.
    travel = np.linspace(-0.8, 0.8, sound.shape[1]) * (1.0 if rng.random() < 0.5 else -1.0)
    angle = (travel + 1.0) * np.pi / 4.0
    sound[0] *= np.cos(angle) * np.sqrt(2.0)
    sound[1] *= np.sin(angle) * np.sqrt(2.0)
    return fade_tail(sound, 0.02)


def whoosh(c: Canvas, p: Params) -> str:
    period = 1.2 - 0.4 * p.speed
    for time in repeats(c, period, first=0.0):
        c.place(time, _whoosh_event(p, c.rng))
    return "whoosh"


# ---------------------------------------------------------------------------- doors


def _slam(p: Params, rng: np.random.Generator) -> F64:
    material = p.material if p.material in ("metal", "wood", "glass") else "wood"
    body = sweep(1.0, 110.0, 48.0 - 10 * p.weight, 0.03, 0.12 + 0.12 * p.weight)
    crack = burst(rng, 0.25, 120.0, 4000.0, 0.02)
    panel = ring(material, rng, p, 1.5 if material == "metal" else 0.5, 0.8)
    latch = delayed(
        modes(0.15, [2300.0, 3500.0, 5200.0], [0.02, 0.015, 0.01], [1.0, 0.6, 0.3]), 0.035
    )
    rattle = delayed(burst(rng, 0.3, 300.0, 3000.0, 0.06), 0.05)
    return fade_tail(pad_sum(body, 0.6 * crack, panel, 0.35 * latch, 0.15 * rattle), 0.02)


def _creak(p: Params, rng: np.random.Generator) -> F64:
    length = max(0.6, (2.2 - 0.8 * p.speed) * p.vary(rng, 0.2))
    n = samples(length)
    t = np.arange(n) / RATE
    # Stick-slip friction: the hinge releases in tiny jerks whose rate wanders.
    wobble = np.cumsum(rng.standard_normal(n // 512 + 2))
    wobble = np.interp(np.arange(n), np.arange(wobble.size) * 512, wobble)
    wobble /= float(np.max(np.abs(wobble))) or 1.0
    rate = (55.0 + 35.0 * p.pitch) * 2.0 ** (0.8 * wobble + 0.5 * np.sin(np.pi * t / length))
    cycles = np.cumsum(rate) / RATE
    clicks = np.flatnonzero(np.diff(np.floor(cycles)) > 0)
    train = np.zeros(n)
    train[clicks] = rng.uniform(0.6, 1.0, size=clicks.size)
    base = 600.0 * 2.0 ** (0.6 * p.pitch - 0.4 * p.weight)
    kernel = modes(0.04, [base, base * 2.1, base * 3.3, base * 4.6], [0.012, 0.008, 0.006, 0.004],
                   [1.0, 0.7, 0.5, 0.3])  # fmt: skip
    creak = convolve(train, kernel)[:n] * np.sin(np.pi * np.clip(t / length, 0, 1)) ** 0.5
    if p.material == "metal":
        creak += (
            0.3
            * np.sin(2 * np.pi * np.cumsum(rate * 18.0) / RATE)
            * np.sin(np.pi * t / length) ** 2
        )
    return fade_tail(creak, 0.02)


def _knock(p: Params, rng: np.random.Generator) -> F64:
    count = 3 if p.jitter < 0.5 or rng.random() < 0.6 else int(rng.integers(2, 5))
    gap = (0.19 - 0.06 * p.speed) * p.vary(rng, 0.1)
    material = p.material if p.material in ("metal", "wood", "glass") else "wood"
    parts = []
    for k in range(count):
        hit = pad_sum(
            ring(material, rng, p, 0.5 if material != "metal" else 1.2, 1.0),
            0.4 * burst(rng, 0.05, 1000.0, 5000.0, 0.003),
            0.6 * sweep(0.2, 150.0, 90.0 - 20 * p.weight, 0.02, 0.04 + 0.03 * p.weight),
        )
        parts.append(
            delayed(hit * (1.0 - 0.08 * k) * p.vary(rng, 0.1), k * gap * p.vary(rng, 0.05))
        )
    return fade_tail(pad_sum(*parts), 0.02)


def door(c: Canvas, p: Params) -> str:
    if p.variant == "creak":
        make, period, name = _creak, 2.6 - 0.8 * p.speed, "door creak"
    elif p.variant == "knock":
        make, period, name = _knock, 1.6 - 0.3 * p.speed, "door knock"
    else:
        make, period, name = _slam, 1.8 - 0.4 * p.speed, "door slam"
    for time in repeats(c, period):
        c.place(time, make(p, c.rng))
    return name


# ---------------------------------------------------------------------------- glass


def _shatter(p: Params, rng: np.random.Generator) -> F64:
    length = 2.2 + 0.6 * p.weight
    n = samples(length)
    crack = burst(rng, 0.3, 2000.0, 14000.0, 0.008)
    thump = sweep(0.3, 180.0, 90.0, 0.02, 0.05)
    count = int(120 * 2.0**p.weight)
    times = np.concatenate([
        rng.exponential(0.12, size=count // 2),
        0.25 + rng.exponential(0.35 + 0.15 * p.weight, size=count - count // 2),
    ])  # fmt: skip
    times = times[times < length - 0.2]
    amps = rng.uniform(0.2, 1.0, size=times.size) * np.exp(-times / (0.6 + 0.2 * p.weight))
    shards = np.zeros(n)
    for k in range(8):
        chosen = np.arange(times.size) % 8 == k
        train = np.zeros(n)
        np.add.at(train, np.round(times[chosen] * RATE).astype(np.int64), amps[chosen])
        base = rng.uniform(2200.0, 7500.0) * 2.0 ** (0.4 * p.pitch - 0.3 * p.weight)
        kernel = modes(0.15, [base, base * 1.63, base * 2.31], [0.05, 0.03, 0.02], [1.0, 0.6, 0.4])
        shards += convolve(train, kernel)[:n]
    return fade_tail(pad_sum(crack, 0.4 * thump, 0.5 * shards), 0.03)


def glass(c: Canvas, p: Params) -> str:
    for time in repeats(c, 2.4):
        c.place(time, _shatter(p, c.rng))
    return "glass shatter"


# ---------------------------------------------------------------------------- guns


def _shot(p: Params, rng: np.random.Generator, echo: bool) -> F64:
    w = p.weight + (0.5 if p.has("shotgun", "rifle", "cannon") else 0.0)
    crack = burst(rng, 0.15, 1200.0, 12000.0, 0.004)
    crack[: samples(0.0008)] *= 3.0
    boom = sweep(0.7, 120.0, 45.0 - 10 * w, 0.01, 0.07 + 0.06 * w)
    body = burst(rng, 0.6, 60.0, 1200.0, 0.09 + 0.06 * w)
    shot = pad_sum(crack, 1.2 * boom, 0.9 * body)
    if echo:
        # Outdoors a shot comes back off distant walls, later and duller.
        for delay, level in ((0.32, 0.22), (0.75, 0.12), (1.3, 0.06)):
            shot = pad_sum(
                shot, level * delayed(np.convolve(body, np.ones(24) / 24, "same"), delay)
            )
    return fade_tail(shot, 0.02)


def gunshot(c: Canvas, p: Params) -> str:
    echo = not c.loop
    if p.variant == "burst":
        interval = (0.095 - 0.025 * p.speed) if p.has("machine", "automatic", "rapid") else 0.45
        span = min(c.seconds, 1.4 if interval < 0.2 else 1.6)
        count = max(1, int(span / interval))
        if c.loop:
            count = max(1, round(c.seconds / interval))
            interval = c.seconds / count
        for k in range(count):
            jitter = 0.006 * p.jitter * c.rng.uniform(-1, 1) if not c.loop else 0.0
            c.place(
                0.02 + k * interval + jitter,
                _shot(p, c.rng, echo and k == count - 1) * p.vary(c.rng, 0.1),
            )
        return "burst of gunfire"
    for time in repeats(c, 1.2):
        c.place(time, _shot(p, c.rng, echo))
    return "gunshot"


# ---------------------------------------------------------------------------- sci-fi


def _pew(p: Params, rng: np.random.Generator) -> F64:
    length = (0.32 - 0.1 * p.speed) * p.vary(rng, 0.15)
    t, env = decay(length + 0.05, length / 2.5, attack=0.002)
    top = 2600.0 * 2.0 ** (0.8 * p.pitch - 0.6 * p.weight) * p.vary(rng, 0.2)
    bottom = 220.0 * 2.0 ** (0.5 * p.pitch - 0.5 * p.weight)
    tau = length / 4.0
    cycles = bottom * t + (top - bottom) * tau * (1.0 - np.exp(-t / tau))
    tone = np.sin(2 * np.pi * cycles) + 0.35 * np.tanh(4.0 * np.sin(2 * np.pi * cycles * 0.5))
    tone *= 1.0 + 0.3 * np.sin(2 * np.pi * 55.0 * t)
    return fade_tail(tone * env, 0.01)


def _zap(p: Params, rng: np.random.Generator) -> F64:
    length = 0.6 - 0.2 * p.speed
    t, env = decay(length, length / 2.0, attack=0.002)
    hum = np.sign(np.sin(2 * np.pi * (110.0 * 2.0 ** (0.5 * p.pitch)) * t))
    gate = np.repeat(rng.random(t.size // 220 + 1) < 0.6, 220)[: t.size]
    crackle = band_noise(rng, t.size, 1500.0, 9000.0) * gate
    zap = (0.5 * hum + crackle) * env
    pew = _pew(p, rng)
    return fade_tail(pad_sum(zap, 0.6 * pew), 0.01)


def _power_up(p: Params, rng: np.random.Generator) -> F64:
    length = (1.3 - 0.4 * p.speed) * p.vary(rng, 0.1)
    n = samples(length + 0.4)
    t = np.arange(n) / RATE
    x = np.clip(t / length, 0.0, 1.0)
    start, end = 160.0 * 2.0 ** (0.5 * p.pitch), 1800.0 * 2.0 ** (0.6 * p.pitch)
    freq = start * (end / start) ** (x**1.5)
    cycles = np.cumsum(freq) / RATE
    trem_rate = 6.0 + 30.0 * x
    tremolo = 0.75 + 0.25 * np.sin(2 * np.pi * np.cumsum(trem_rate) / RATE)
    tone = (np.sin(2 * np.pi * cycles) + 0.3 * np.sin(4 * np.pi * cycles)) * tremolo
    env = np.clip(t / 0.05, 0, 1) * np.where(
        t <= length, 0.4 + 0.6 * x, np.exp(-(t - length) / 0.08)
    )
    ping = delayed(modes(0.4, [end * 2.0, end * 3.01], [0.12, 0.08], [0.4, 0.2]), length)
    return fade_tail(pad_sum(tone * env, ping), 0.01)


def laser(c: Canvas, p: Params) -> str:
    if p.variant == "powerup":
        for time in repeats(c, 1.7):
            c.place(time, _power_up(p, c.rng))
        return "sci-fi power-up"
    make = _zap if p.variant == "zap" else _pew
    several = p.has("lasers", "shots", "pew", "firing", "blasts")
    period = 0.42 - 0.12 * p.speed
    times = repeats(c, period)
    if several and not c.loop:
        times = [0.02 + k * period for k in range(3) if 0.02 + k * period < c.seconds]
    for time in times:
        c.place(time, make(p, c.rng), pan=0.3 * c.rng.uniform(-1, 1) * p.jitter)
    return "electric zap" if p.variant == "zap" else "laser blast"


# ---------------------------------------------------------------------------- UI


def _tone(freq: float, length: float, bright: float, tau: float | None = None) -> F64:
    n = samples(length)
    t = np.arange(n) / RATE
    x = np.sin(2 * np.pi * freq * t) + bright * np.sin(2 * np.pi * 3 * freq * t) / 3
    env = np.exp(-t / tau) if tau is not None else np.ones(n)
    edge = samples(0.004)
    env[:edge] *= np.linspace(0.0, 1.0, edge)
    env[n - edge :] *= np.linspace(1.0, 0.0, edge)
    out: F64 = x * env
    return out


def beep(c: Canvas, p: Params) -> str:
    shift = 2.0 ** (0.9 * p.pitch)
    if p.variant == "siren":
        t = c.times()
        period = 1.6 * (1.0 + 0.8 * -min(p.speed, 0.0)) / (1.0 + 0.6 * max(p.speed, 0.0))
        sweep_rate = c.hz(1.0 / period)
        freq = (650.0 + 750.0 * (0.5 - 0.5 * np.cos(2 * np.pi * sweep_rate * t))) * shift
        cycles = np.cumsum(freq) / RATE
        if c.loop:
            total = cycles[-1] + freq[-1] / RATE
            cycles *= max(1, round(total)) / total
        # A quarter cycle in: the seam lands on a crest, where the wave is flattest.
        cycles += 0.25
        c.add(np.sin(2 * np.pi * cycles) + 0.25 * np.sin(6 * np.pi * cycles))
        return "siren"
    if p.variant == "alarm":
        freq = 2800.0 * shift
        cycle = (0.9 - 0.3 * p.speed) * p.vary(c.rng, 0.05)
        count = max(1, round(c.seconds / cycle)) if c.loop else max(1, int(c.seconds / cycle))
        cycle = c.seconds / count if c.loop else cycle
        for k in range(count):
            for j in range(3):
                c.place(k * cycle + j * cycle * 0.22 + 0.01, _tone(freq, cycle * 0.13, 0.8))
        return "alarm"
    if p.variant == "notification":
        notes = [1318.5 * shift, 1975.5 * shift]
        sound = pad_sum(
            _tone(notes[0], 0.35, 0.2, 0.09), delayed(_tone(notes[1], 0.5, 0.2, 0.14), 0.1)
        )
        name = "notification chime"
    elif p.variant == "error":
        low = 330.0 * shift
        sound = pad_sum(_tone(low * 1.33, 0.13, 1.0), delayed(_tone(low, 0.2, 1.0), 0.15))
        name = "error buzz"
    else:
        length = (0.22 - 0.08 * p.speed) * p.vary(c.rng, 0.1)
        sound = _tone(1000.0 * shift, length, 0.15)
        name = "beep"
    for time in repeats(c, 0.9 - 0.3 * p.speed):
        c.place(time, sound)
    return name


def _click(p: Params, rng: np.random.Generator, pitch: float = 1.0) -> F64:
    base = 3200.0 * pitch * 2.0 ** (0.6 * p.pitch - 0.4 * p.weight)
    res = modes(
        0.03,
        [base, base * 1.9, 900.0 * pitch],
        [0.004, 0.002, 0.006],
        [1.0, 0.5, 0.4 + 0.3 * p.weight],
    )
    snap = burst(rng, 0.01, 2000.0, 10000.0, 0.0008)
    return fade_tail(pad_sum(res, 0.6 * snap), 0.003)


def click(c: Canvas, p: Params) -> str:
    if p.variant == "tick":
        interval = 1.0 / (1.0 + 0.8 * max(p.speed, 0.0)) * (1.0 + 0.5 * -min(p.speed, 0.0))
        count = max(1, round(c.seconds / interval)) if c.loop else max(1, int(c.seconds / interval))
        interval = c.seconds / count if c.loop else interval
        for k in range(count):
            c.place(0.02 + k * interval, _click(p, c.rng, 0.8 if k % 2 else 1.0))
        return "clock ticking"
    double = p.has("double")
    for time in repeats(c, 0.5 - 0.15 * p.speed):
        c.place(time, _click(p, c.rng))
        if double:
            c.place(time + 0.09, _click(p, c.rng) * 0.8)
    return "UI click"


# ---------------------------------------------------------------------------- bells


def _bell(rng: np.random.Generator, base: float, length: float) -> F64:
    ratios = [0.5, 1.0, 1.19, 1.5, 2.0, 2.51, 2.66, 3.01, 4.16]
    amps = [0.5, 1.0, 0.6, 0.4, 0.5, 0.25, 0.2, 0.15, 0.1]
    taus = [length * 0.9, length * 0.6, length * 0.5, length * 0.35, length * 0.3, length * 0.2,
            length * 0.18, length * 0.12, length * 0.08]  # fmt: skip
    strike = burst(rng, 0.03, 1000.0, 8000.0, 0.002)
    tone = modes(length * 1.2, [base * r for r in ratios], taus, amps)
    return fade_tail(pad_sum(tone, 0.2 * strike), 0.05)


def bell(c: Canvas, p: Params) -> str:
    rng = c.rng
    shift = 2.0 ** (0.9 * p.pitch - 1.0 * p.weight)
    if p.variant == "chime":
        tubes = np.array([1046.5, 1174.7, 1318.5, 1568.0, 1760.0]) * shift
        rate = 2.5 * (1.0 + 0.5 * p.speed)
        count = max(3, int(c.seconds * rate))
        times = np.sort(rng.uniform(0.0, c.seconds * (1.0 if c.loop else 0.7), size=count))
        for time in times:
            f = float(tubes[int(rng.integers(tubes.size))])
            tone = modes(2.5, [f, f * 2.76, f * 5.40], [1.4, 0.5, 0.2], [1.0, 0.3, 0.12])
            c.place(
                float(time),
                fade_tail(tone, 0.05) * rng.uniform(0.4, 1.0),
                pan=rng.uniform(-0.6, 0.6),
            )
        return "wind chimes"
    if p.variant == "gong":
        base = 110.0 * shift
        ratios = np.sort(rng.uniform(1.0, 8.0, size=24))
        ratios[0] = 1.0
        t, _ = decay(6.0, 1.0)
        sound = np.zeros(t.size)
        for r in ratios:
            swell = 1.0 - np.exp(-t / (0.05 + 0.05 * r))
            sound += np.sin(2 * np.pi * base * r * t) * swell * np.exp(-t / (4.0 / r**0.5)) / r**0.7
        for time in repeats(c, 6.0):
            c.place(time, fade_tail(sound, 0.1))
        return "gong"
    if p.variant == "sparkle":
        count = 28
        times = np.sort(rng.uniform(0.0, 1.2, size=count))
        for k, time in enumerate(times):
            f = 2000.0 * shift * 2.0 ** (1.5 * k / count + 0.2 * rng.uniform(-1, 1))
            tone = modes(0.6, [f, f * 2.76], [0.25, 0.08], [1.0, 0.2])
            for start in repeats(c, 2.0, first=0.0):
                c.place(
                    start + float(time),
                    fade_tail(tone, 0.02) * rng.uniform(0.3, 0.8),
                    pan=rng.uniform(-0.8, 0.8),
                )
        return "magical sparkle"
    if p.variant == "ding":
        sound = _bell(rng, 1046.5 * shift, 1.2)
        name = "ding"
    else:
        sound = _bell(rng, 440.0 * shift, 3.0 + 1.5 * p.weight)
        name = "bell"
    for time in repeats(c, 2.5 if p.variant != "ding" else 1.2):
        c.place(time, sound)
    return name
