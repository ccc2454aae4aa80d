"""Locked-out logins go on Wagtail's audit log (站点历史), under the account they targeted; a
successful login clears that account's own failed attempts, and nobody else's."""

import logging

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import log

logger = logging.getLogger(__name__)

LOCKED_OUT = "bancheng.login_locked_out"


def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    user = get_user_model().objects.filter(username=username or "").first()
    if user is None:
        # A name nobody has: nothing to record against; no name or address in the log either.
        logger.warning("login lockout for an unknown username")
        return
    log(instance=user, action=LOCKED_OUT, data={"username": user.get_username()})
    logger.warning("login lockout for user %s", user.pk)


def _on_logged_in(sender, request=None, user=None, **kwargs):
    # django-axes' own reset (AXES_RESET_ON_SUCCESS, off) deletes every failed attempt from the
    # address too, the guesses at other accounts included: one good login to an account of
    # one's own, between guesses, would wipe the count against a colleague's.
    from axes.utils import reset

    if user is not None:
        reset(username=user.get_username())


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in

    user_locked_out.connect(_on_locked_out, dispatch_uid="portal.login_audit.locked_out")
    user_logged_in.connect(_on_logged_in, dispatch_uid="portal.login_audit.logged_in")


@hooks.register("register_log_actions")
def register_login_log_actions(actions):
    actions.register_action(LOCKED_OUT, _("登录锁定"), _("连续登录失败次数过多，账号已暂时锁定"))
