# Earshot's window in English. Every string the agent sees has a key here and in each
# other language (a test fails on a key missing from any); `{ $name }` are filled in by
# the window. Labels from a site's configuration (reasons, dispositions) are looked up
# as `reason-…` and `disposition-…`, and shown as configured when a language has none.

## The top bar
you-are = You: { $uri }
registration-registered = Registered
registration-registering = Registering…
registration-unregistered = Not registered
registration-failed = Registration failed ({ $detail })
registration-other = Registration: { $state }
desk-starting = Desk starting…
state-ready = Ready
state-ready-busy = Ready (busy)
state-not-ready = Not Ready
state-after-call-work = After-call work
state-logged-out = Logged out
state-with-reason = { $state } — { $reason }
state-then = then { $next }
state-time = Time in state
action-ready = Ready
action-not-ready = Not Ready
action-log-out = Log out
not-ready-first-reason = Ctrl+Shift+N: { $reason }

## Tabs
tab-desk = Desk
tab-history = History
tab-team = Team
tab-settings = Settings

## The preview of an offered interaction
preview-title = Interaction preview
preview-voice = Incoming call from { $who }
preview-chat = Incoming chat from { $who }
preview-email = Incoming email from { $who }
preview-direct = Direct
preview-waiting = waiting { $time }
preview-withdrawn = withdrawn in { $seconds } s
action-accept = Accept
action-decline = Decline
action-reject = Reject
announce-offer = { $what }. { $queue }. Accept: Control Shift A. Decline: Control Shift D.

## Channels and interactions
channel-voice = Call
channel-chat = Chat
channel-email = Email
interactions-title = Interactions
interactions-none = No interactions yet
interaction-offered = Offered
interaction-active = Active
interaction-wrap-up = Wrap-up
interaction-done = Done
interaction-declined = Declined
interaction-missed = Missed
interaction-abandoned = Abandoned
interaction-transferred = Transferred
interaction-on-hold = on hold
interaction-row = { $channel } · { $who } — { $state }
link-consultation = Consultation of #{ $parent }
link-transfer = Transferred from #{ $parent }
link-other = { $kind } of #{ $parent }
case-data = Case data
case-editable = { $label } (editable: Enter saves)
screen-pops = Links
screen-pop-no-link = No link: { $problem }

## Wrap-up
disposition = Disposition code
disposition-required = required
disposition-none = none
disposition-search = Search codes
note = Note
note-hint = What happened, what was promised
action-done = Done
done-needs-disposition = Choose a disposition code first
wrap-up-time-boxed = Ready again when the wrap-up time is up

## Calls
dial-hint = sip:user@host or a number
action-call = Call
calls-none = No calls
call-dialing = calling
call-ringing = ringing
call-incoming = incoming
call-active = talking
call-held = on hold
call-remote-held = held by the other side
call-ended = ended
call-muted = muted
call-conference = conference
call-quality = { $word } (MOS { $mos }, loss { $loss } %)
quality-good = good
quality-fair = fair
quality-poor = poor
quality-bad = bad
incoming-call = Incoming call from { $who }
action-answer = Answer
action-hang-up = Hang up
action-hold = Hold
action-resume = Resume
action-mute = Mute
action-unmute = Unmute
action-keypad = Keypad
action-conference = Conference
transfer-hint = Transfer or consult: sip:… or a number
action-transfer = Transfer
action-consult = Consult
action-complete-transfer = Complete transfer
digits-received = Digits received: { $digits }

## History
history-refresh = Refresh
history-none = No calls yet
history-in = In
history-out = Out
history-call-back = Call back
outcome-missed = missed
outcome-rejected = rejected
outcome-cancelled = cancelled
outcome-failed = failed

## Team (supervisors)
team-none = No agents watched
team-monitor-next = Monitor next call
team-monitoring = Monitoring { $agent }
team-call-from = from { $remote } · { $state }
team-call-to = to { $remote } · { $state }
team-watch-hint = Agent number or sip:…
team-watch = Watch
mode-listen = Listen
mode-whisper = Whisper
mode-barge = Barge
action-stop = Stop
presence-online = online
presence-offline = offline

## Settings
settings-audio = Audio
settings-looking = Looking for sound devices…
settings-in-use = In use: { $name }
settings-system-default = System default
settings-microphone = Microphone
settings-earpiece = Earpiece
settings-ringing = Ringing
settings-ringing-earpiece = In the earpiece
settings-ring-volume = Ring volume
settings-use-devices = Use these devices
device-not-found = { $name } (not found)
settings-account = Account
settings-account-p2p = Leave the address empty for a peer-to-peer phone (no server).
field-address = Address
field-user = User
field-password = Password
field-registrar = Registrar
field-proxy = Outbound proxy
field-transport = Transport
hint-address = sip:1001@pbx.example.com
hint-user = 1001 (the address's user)
hint-registrar = pbx.example.com:5060 (the address's host)
hint-proxy = host:port (none)
settings-save-account = Save account
account-no-user-host = { $aor } has no user@host
settings-window = Window
settings-language = Language
language-system = System ({ $language })
settings-theme = Theme
theme-system = Follow the system
theme-light = Light
theme-dark = Dark

## Messages from the phone
message-transfer = Call { $id }: transfer { $status } { $reason }
message-security = Security: { $message }
message-prompt-stopped = Call { $id }: { $file } stopped before its end
message-screen-pop = Interaction { $id }: opened { $url }
message-dismiss = Dismiss
messages-more = { $count } earlier

## Shortcuts (shown on buttons and in the footer)
shortcuts = Ctrl+Shift+ A accept · D decline · H hang up · M mute · O hold · R ready · N not ready · E done
keys-ctrl-shift = Ctrl+Shift

## Times (the agent's time zone)
date-time = { $month } { $day }, { $hour }:{ $minute }
date-time-year = { $month } { $day }, { $year }, { $hour }:{ $minute }
clock-minutes = { $minutes } min
clock-hours = { $hours } h { $minutes }
today-time = Today, { $hour }:{ $minute }
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec

## Labels from the default configuration
reason-break = Break
reason-lunch = Lunch
reason-meeting = Meeting
reason-training = Training
reason-missed-offer = Missed offer
disposition-resolved = Resolved
disposition-follow-up = Follow-up needed
disposition-escalated = Escalated
disposition-sale = Sale
disposition-no-sale = No sale
disposition-wrong-number = Wrong number
disposition-callback = Callback scheduled
disposition-timed-out = Wrap-up timed out
disposition-group-outcome = Outcome
disposition-group-sales = Sales
disposition-group-other = Other
