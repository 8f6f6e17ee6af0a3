"""`make warnings-eval`: false warnings and caught takeovers on simulated user-years.

See ``__main__`` for the command line, ``population`` for who the users are, ``drive`` for how
their year goes through the product and what is read back.
"""
