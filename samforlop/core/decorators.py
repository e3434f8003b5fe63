from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def staff_required(view):
    """Logged in as staff of an organisation. A patient is taken to their own pages instead."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.organisation_id is None:
            if request.user.patient_id is not None:
                return redirect("portal:home")
            if request.user.person_identifier:  # a relative: what patients share with them
                return redirect("portal:shared")
            raise PermissionDenied("Staff only")
        return view(request, *args, **kwargs)

    return wrapper
