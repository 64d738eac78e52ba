"""The HTTP edge the packages' controllers share: parameter markers, security requirements and
the providers of the caller.

It sits below every domain package and above ``kernel``: it imports litestar, ``kernel`` and
``mobile_contract`` only, so a controller can use it without reaching the composition root
(``server``), which imports every package. What needs a higher package (the token config, the
object store, the login policy) is declared by the package that owns it and provided by
``server/app.py``.
"""
