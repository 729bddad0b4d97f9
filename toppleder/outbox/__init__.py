"""E-mail through the outbox: every e-mail is a row with a unique key, sent at most once.

The rows are OutboxMessage (and a person's NotificationPreference) in toppleder/models.py.
The Celery tasks stay in toppleder/tasks.py (`toppleder.tasks.deliver`, `.outbox_sweep`):
queued broker messages name them, so those names must keep resolving.

- `rendering`: `Email` and `Skip`; the renderer registry (`@renderer(kind)`, `get_renderer`,
  which imports every app's `notifications.py` on first use); `render_email` for the
  template trio `emails/<name>-subject.txt|-body.txt|-body.html`; `absolute_url` for links.
- `enqueue`: who gets what (`wants`), `mail_enqueue` / `mail_enqueue_many` (`Item`), and
  one delivery task per message, queued when the surrounding transaction commits.
- `smtp`: the connection a worker thread sends over (reused while fresh), the SMTP
  backend that marks the hand-over, and the sorting of failures into temporary
  (retry), permanent (fail now) and uncertain (the server may have it: never resend).
- `delivery`: `outbox_deliver` (claim, render, send, record one message) and
  `outbox_sweep` (what a dead worker left behind), with the retry limits and time-outs.
- `services`: HR's one change to the outbox, `outbox_resend`, recorded in the audit log.
- `selectors`: `outbox_for_hr` (what HR may see) and `message_for`, the access helper.
- `views`, `forms`, `urls`: the outbox pages (HR's list and detail, "e-mails sent to me")
  and the notification preferences page.

How a message travels
1. A notification module (`<app>/notifications.py`) decides who gets which e-mail and
   calls `mail_enqueue` / `mail_enqueue_many`. That creates the OutboxMessage row under a
   unique `key` naming the event (`registration_confirmed:<reg>:<seq>:...`) and, when the
   surrounding transaction commits, queues the `toppleder.tasks.deliver` task. A second
   call with the same key finds the row and creates nothing.
2. `outbox_deliver` claims the row with a conditional UPDATE (queued → sending), renders
   the e-mail *now* (so it shows the session's current time, or is skipped as
   "superseded" when a newer message has overtaken it), sends it, and marks it sent.
3. Temporary SMTP failures (4xx, connection errors, time-outs) put the row back to
   queued with exponential back-off (1, 2, 4 … minutes, at most RETRY_MAX_SECONDS apart)
   for up to GIVE_UP_AFTER (three days) after it was queued; HR's outbox shows such a row as
   "venter" with its next attempt. Permanent failures (5xx,
   an invalid address) fail at once. The reason is kept in `last_error` for HR.
4. `outbox_sweep` (Celery beat) picks up what a dead worker left behind.

Delivery guarantee — why "never a second copy" holds
A worker can die at any point. The only moment whose outcome we cannot know is after
the whole message has gone to the SMTP server and before we have stored "sent": the
server may or may not have taken responsibility. So the SMTP connection marks the row
`handed_over_at` (committed) just before it sends the final "." of DATA:
- died before the hand-over: the server discards an unterminated DATA, nothing was
  delivered, and the sweeper re-queues the message (at-least-once up to this point);
- died after the hand-over: the sweeper does NOT resend; it marks the message failed
  ("delivery uncertain") so HR can check and resend by hand (at-most-once here).
The same rule applies to a time-out or dropped connection while waiting for the reply
to DATA. We prefer a rare uncertain message that HR sees over a duplicate invitation.
The uncertain window is a few milliseconds per message; everything else is exact.
"""
