"""The visitor's IP address, for login throttling (django-axes) and the inquiry form's rate limit.

Behind a reverse proxy every request arrives from the proxy's address, so keying limits on REMOTE_ADDR
would let anyone lock any account and make all visitors share one inquiry quota. X-Forwarded-For, on the
other hand, is whatever the client wrote unless a proxy we trust appended to it. So the header is read only
when the request came from a proxy named in MEZAME_TRUSTED_PROXIES, and then from the right: each trusted
hop appends the address it saw, and the first address that is not one of our proxies is the client.
"""
import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in proxies if entry.strip())


def _parse(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address, networks):
    return address is not None and any(address in network for network in networks)


def client_ip(request):
    """The client's address as a string, or None when the request carries none (axes stores it in an inet
    column, which takes NULL but not a placeholder word)."""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.MEZAME_TRUSTED_PROXIES))
    if not networks or not _is_trusted(_parse(remote or ""), networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # A malformed entry was not written by our proxy: everything left of it is the client's word.
            break
        if not _is_trusted(address, networks):
            return str(address)
    # Only proxies in the chain (or nothing usable): the nearest trusted hop is the best we know.
    return remote
