"""The ``inbox`` command line: ``main`` holds the parser, one module per command noun.

A command imports what it uses when it runs, so that ``inbox --help`` starts
quickly. May import everything below it: channels, actions, store and core.
"""
