"""Classification of one text: language, topics, sentiment, flags and personal data.

``pipeline`` runs the parts in order and explains its choices; ``words`` is the
tokeniser and stemmer they share; the lexicons are data modules. Pure: imports
only the standard library, rapidfuzz, pycld2 and the core.
"""
