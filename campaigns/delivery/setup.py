"""Wiring of delivery, called from CampaignsConfig.ready(): the channel handlers and the bounce webhook."""


def connect():
    from campaigns.channels import register_channel_handler

    from . import letters, outbox

    register_channel_handler("email", outbox.email_channel_handler)
    register_channel_handler("dm", letters.dm_channel_handler)
    try:
        from anymail.signals import tracking
    except ImportError:  # django-anymail not installed: the bounce mailbox command is the way in
        return
    from .bounces import anymail_tracking_received

    tracking.connect(anymail_tracking_received, dispatch_uid="mezame.campaigns.delivery.anymail_tracking")
