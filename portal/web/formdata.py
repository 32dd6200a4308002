"""`FormDep`: the request's form, read by an async dependency so that the route itself can be a plain
`def` (FastAPI runs it in the thread pool: database work and argon2 never block the event loop).

    @router.post("/staff/zones/{slug}/edit")
    def zone_save(request: Request, lang: Lang, form: FormDep, ...): ...

Starlette caches the parsed form on the request, so the CSRF check and the route read it once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData


async def read_form(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]
