"""Starting again keeps what staff changed: the demo seed creates missing logins only."""
from __future__ import annotations

from handlers import Core, authenticate, create_staff, seed_demo_staff
from storage import StaffRole


async def test_a_restart_keeps_a_demo_password_an_admin_changed(core: Core) -> None:
    await create_staff(core.db, "congdoan.bacninh", "mat-khau-moi-123", "Cán bộ Công đoàn Bắc Ninh",
                       StaffRole.STAFF, "union.bac-ninh")
    made = await seed_demo_staff(core.db, core.config)
    assert "congdoan.bacninh" not in [login.username for login in made], "an existing login is not made again"
    assert await authenticate(core.db, "congdoan.bacninh", "mat-khau-moi-123") is not None
    assert await authenticate(core.db, "congdoan.bacninh", "demo-bacninh") is None
    assert await authenticate(core.db, "kiemduyet", "demo-moderator") is not None, "the other demo logins are there"
