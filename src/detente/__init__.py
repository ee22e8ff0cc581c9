"""detente: the six-party roadmap for the Korean Peninsula as software.

The package import is kept light on purpose: the engine, strategies, and the
heavy extras are imported by the modules that use them, so ``import detente``
stays fast for CLIs and notebooks.
"""

__version__ = "0.1.0"
