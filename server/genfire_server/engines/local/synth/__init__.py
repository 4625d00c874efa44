"""What the procedural music and sound-effect engines share: filters, noise, rooms, words.

`dsp` holds the signal building blocks and the final normalisation, `reverb` the
synthetic rooms, `words` the prompt tokeniser.
"""
