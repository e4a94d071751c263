"""Errors raised by classifiers and the model registry."""

from __future__ import annotations

from nlp.errors import WalktalkError


class NotFittedError(WalktalkError):
    """A classifier was asked to predict or save before it was fitted."""

    code = "W101"
    title = "Model not fitted"


class ModelFormatError(WalktalkError):
    """A saved model folder is missing files, has an unknown kind or format."""

    code = "W102"
    title = "Cannot load model"


class ParameterError(WalktalkError):
    """A hyper-parameter or an input array has the wrong value or shape."""

    code = "W103"
    title = "Bad parameter"


class RegistryError(WalktalkError):
    """The model registry has no such version, or no active one."""

    code = "W110"
    title = "Model registry"


class PromotionRefusedError(WalktalkError):
    """The promotion gate refused a version that scores worse than the active one."""

    code = "W111"
    title = "Promotion refused"
