"""Named operations on staff users: each change is audited with the old and the new value."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samforlop.accounts.models import User
from samforlop.audit.models import record_audit


def _may_administer(actor, user) -> None:
    if actor.role != User.Role.ORG_ADMIN or actor.organisation_id is None or actor.organisation_id != user.organisation_id:
        raise ValidationError(_("Only the organisation's administrator changes its users."))


@transaction.atomic
def change_role(*, user: User, role: str, actor, now) -> User:
    """Give a staff user another role in their organisation."""
    _may_administer(actor, user)
    if role not in User.Role.values:
        raise ValidationError({"role": _("Choose one of the roles.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    old = user.role
    if old != role:
        user.role = role
        user.save(update_fields=["role"])
        record_audit(actor=actor, action="role_changed", obj=user, at=now, old={"role": old}, new={"role": role})
    return user


@transaction.atomic
def set_active(*, user: User, active: bool, actor, now) -> User:
    """Deactivate (or reactivate) a user; a deactivated user is refused on their very next request."""
    _may_administer(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        record_audit(actor=actor, action="user_activated" if active else "user_deactivated", obj=user, at=now,
                     old={"active": not active}, new={"active": active})
    return user


def choose_language(*, user: User, language: str, now) -> User:
    """The person's choice of language, kept on them so it follows them to every device."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages.")})
    if user.language != language:
        old, user.language = user.language, language
        user.save(update_fields=["language"])
        record_audit(actor=user, action="language_chosen", obj=user, at=now, old={"language": old},
                     new={"language": language})
    return user
