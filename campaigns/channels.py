"""Who carries out a campaign step on each channel.

campaigns decides who is contacted and when (campaigns.sequences); the channels do the contacting:
delivery (campaigns.delivery) queues e-mails in the outbox and puts letters in a print batch, visits creates phone
and visit tasks for the reps. Each registers a handler here from its AppConfig.ready(), so the sequence engine
never imports them.

A handler is called as handler(step=CampaignStep, executions=QuerySet[StepExecution], now=datetime) with the
step's executions in state DUE; it must work set-based, move the executions it took to HANDED_OVER (or
CONTACTED / SKIPPED with a reason) in the same transaction, and return how many it took. It may be called again
with the same executions (a rerun of the nightly pipeline): taking an execution only when its state is still DUE
keeps that harmless.
"""
_HANDLERS = {}


def register_channel_handler(channel, handler):
    """Register the handler of a campaign channel ("email", "dm", "phone", "visit"); a second one replaces it."""
    _HANDLERS[channel] = handler


def channel_handler(channel):
    """The handler for `channel`, or None when no app carries that channel out yet (the executions wait)."""
    return _HANDLERS.get(channel)


def registered_channels():
    return sorted(_HANDLERS)
