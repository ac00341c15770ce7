"""Every exception class of the core is defined in `_errors.py` and drawn in its tree."""

from __future__ import annotations

import inspect

import deepseek_ext_core
from deepseek_ext_core import _errors


def _exception_classes() -> list[type[BaseException]]:
    return [
        value
        for value in vars(deepseek_ext_core).values()
        if isinstance(value, type) and issubclass(value, BaseException)
    ]


def test_every_exported_exception_is_defined_in_the_errors_module() -> None:
    classes = _exception_classes()
    assert len(classes) >= 20
    assert {cls.__module__ for cls in classes} == {"deepseek_ext_core._errors"}


def test_the_tree_in_the_docstring_names_every_class_under_its_parent() -> None:
    tree = _errors.__doc__ or ""
    lines = tree.splitlines()
    for cls in _exception_classes():
        (line,) = [n for n, text in enumerate(lines) if f" {cls.__name__} " in f" {text} "]
        if cls is deepseek_ext_core.DeepSeekError:
            continue
        # The parent is the nearest line above, drawn one level less deep.
        depth = lines[line].index(cls.__name__)
        parent_line = next(
            lines[n]
            for n in range(line - 1, -1, -1)
            if lines[n].strip() and len(lines[n]) - len(lines[n].lstrip(" │├└─")) < depth
        )
        parents = [base.__name__ for base in cls.__bases__]
        assert any(name in parent_line.split() for name in parents), (cls, parent_line)


def test_no_core_module_defines_an_exception_elsewhere() -> None:
    import pkgutil
    from importlib import import_module

    for info in pkgutil.iter_modules(deepseek_ext_core.__path__, "deepseek_ext_core."):
        if info.name == "deepseek_ext_core._errors":
            continue
        module = import_module(info.name)
        own = [
            name
            for name, value in inspect.getmembers(module, inspect.isclass)
            if issubclass(value, BaseException) and value.__module__ == info.name
        ]
        assert own == [], info.name
