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
    status, kind = 503, "model-unavailable"


class ParameterError(WalktalkError):
    """A hyper-parameter or an input array has the wrong value or shape."""

    code = "W103"
    title = "Bad parameter"


class RegistryError(WalktalkError):
    """The model registry cannot serve: no version is active."""

    code = "W110"
    title = "Model registry"
    status, kind = 503, "model-unavailable"


class UnknownVersionError(RegistryError):
    """The registry holds no version of that name."""

    code = "W112"
    title = "No such model version"
    status, kind = 404, "not-found"


class VersionNameError(RegistryError):
    """A version name that the registry would not accept as a folder name."""

    code = "W113"
    title = "Bad version name"
    status, kind = 422, "validation"


class RegistryConflictError(RegistryError):
    """The registry's state forbids the change: the name is taken, or nothing to roll back to."""

    code = "W114"
    title = "Model registry conflict"
    status, kind = 409, "conflict"


class PromotionRefusedError(WalktalkError):
    """The promotion gate refused a version that scores worse than the active one."""

    code = "W111"
    title = "Promotion refused"
    status, kind = 409, "conflict"
