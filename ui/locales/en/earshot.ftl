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
chat-no-messages = No messages yet
chat-typing = { $who } is typing…
chat-ended-customer-left = The customer left the chat
chat-ended-inactive = The customer stopped answering: the chat was closed
chat-ended-agent = You ended the chat
chat-compose = Message
chat-compose-hint = Write a message — Enter sends, Shift+Enter for a new line
chat-send = Send
chat-end = End chat
chat-you = You
chat-sending = Sending
chat-sent = Sent (reached the server)
chat-delivered = Delivered
chat-read = Read
chat-failed = Not sent
chat-unread = { $count ->
    [one] 1 new
   *[other] { $count } new
}
chat-first-message = First message
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
dial-hint = Name, number or address (Ctrl+K)
dial-name = Search or dial
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
transfer-name = Number or address to transfer to or consult
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
team-watch-name = Agent to watch
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
message-contacts-imported = { $file }: { $added } contacts added, { $merged } merged{ $refused ->
    [0] {""}
   *[other] ; lines refused: { $lines }
}
message-contacts-exported = { $count } contacts written to { $file }
message-dismiss = Dismiss
messages-more = { $count } earlier

## Errors (a phone's problem: `error-<code>`, with its values)
error-no-call = There is no call { $call }
error-not-ringing = Call { $call } is not ringing here
error-not-answered = Call { $call } is not answered
error-not-monitoring = Call { $call } is not a monitoring call
error-no-audio-to-play-into = Call { $call } has no audio to play into
error-no-account-for-number = “{ $text }”: give a SIP address such as sip:user@host (there is no account to call numbers through)
error-not-an-address = “{ $text }” is not a SIP address: { $why }
error-bad-monitor-mode = “{ $text }”: choose listen, whisper or barge
error-not-watched = { $agent } is not on your team view (watch the agent first)
error-agent-idle = { $agent } has no call in progress
error-no-dialog = { $agent } did not say which call
error-not-watching = You are not watching { $agent }
error-unanswerable = Call { $call } could not be answered ({ $why }) and was refused
error-sip = SIP: { $why }
error-audio = Audio: { $why }
error-play = Cannot play { $file }: { $why }
error-account = Account: { $why }
error-desk = { $why }
error-locating = Looking up { $name }…
error-dns = DNS: { $why }
error-history-unavailable = The call history cannot be opened ({ $why }): calls are not kept in it
error-desk-unavailable = The desk's store cannot be opened ({ $why }): interactions are not kept
error-desk-not-saved = The desk's last change was not saved: { $why }
error-history-not-written = The call history was not written: { $why }
error-no-history = There is no call history
error-history-not-read = The call history cannot be read: { $why }
error-devices-not-saved = The devices are in use, but not saved: { $why }
error-account-not-saved = The account is in use, but not saved: { $why }
error-cannot-open-link = Cannot open { $url }: { $why }
error-name-not-found = Cannot find { $name }: { $why }
error-registrar-not-found = Account { $account }: cannot find { $name }: { $why }
error-no-registrar = Account { $account } has no registrar
error-account-failed = Account { $account }: { $why }
error-registering-again = Account { $account }: { $why }; registering again
error-state-not-publishable = Your state cannot be published: { $why }
error-state-refused-by-site = The site does not take your state ({ $why }); supervisors watching you directly still see it
error-state-not-published = Your state was not published ({ $why }); trying again in a minute
error-offer-refused = A call from { $from } was refused: { $why }
error-call-failed = Call { $call }: { $why }
error-bad-answer = Call { $call }: the other side's answer is unusable: { $why }
error-re-invite-answered = Call { $call }: the other side answered { $status } to a change
error-re-invite-refused = Call { $call }: a change from the other side was refused: { $why }
error-hold-refused = Call { $call }: the other side refused the hold ({ $status }); the call stays active
error-resume-refused = Call { $call }: the other side refused to resume ({ $status }); the call stays on hold
error-transfer-failed = Call { $call }: the transfer to { $to } failed: { $why }
error-call-without-audio = Call { $call } has no audio: { $why }
error-device-missing = The audio device { $wanted } is not there; using { $using }
error-device-failed = The audio device { $lost } failed; now using { $using }
error-no-sound-device = No sound device works ({ $why }); calls go on without audio
error-ringing-device-failed = The ringing device failed ({ $why }); ringing in the headset
error-no-real-time = The audio runs without real-time priority: { $why }
error-mix = Audio mix: { $why }
error-directory = Directory: { $why }
error-no-contact = There is no contact { $id }
error-merge-self = Contact { $id } cannot be merged into itself
error-not-favourite = { $address } is not a favourite
error-no-chat = There is no chat { $interaction }
error-chat-closed = Chat { $interaction } has ended
error-chat = Chat: { $why }
error-chat-unreadable = A message from { $from } could not be read ({ $why }); it was refused
error-chat-flood = { $from } is sending too many messages: the next ones are refused for a few seconds
error-contact-store = Contacts: { $why }
error-import-failed = Cannot import { $file }: { $why }
error-export-failed = Cannot export the contacts to { $file }: { $why }
error-watch-failed = Cannot watch { $agent }: { $why }
error-unreadable-presence = { $agent }: unreadable state: { $why }
error-unreadable-dialog = { $agent }: unreadable call state: { $why }
error-state-not-shown = { $agent }: the state is not shown ({ $why })
error-site-translation = Translation file { $file }: { $why }
error-window-not-saved = The window's settings are in use, but not saved: { $why }

## Shortcuts (shown on buttons and in the footer)
shortcuts = Ctrl+K search · Ctrl+Shift+ A accept · D decline · H hang up · M mute · O hold · R ready · N not ready · E done
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

## The team store
team-store-offline = Team store offline{ $waiting ->
    [0] {""}
    [one] {" "}· 1 change waiting
   *[other] {" "}· { $waiting } changes waiting
}
team-store-sending = Sending { $waiting ->
    [one] 1 change
   *[other] { $waiting } changes
} to the team store
team-store-why = Kept on this computer until the team store is back ({ $why })

## An interaction's contact and its history
contact-new = New contact: no earlier interactions
contact-first = No earlier interactions
contact-recent-week = { $count ->
    [one] 1 earlier interaction
   *[other] { $count } earlier interactions
} this week
contact-recent-older = None this week
contact-glance = { $often } · last: { $last }
contact-outcome-note = { $what }: { $note }
contact-history-title = Earlier with this contact
contact-no-case = No case data
contact-whole-history = Whole history

## Team Communicator
key-enter = Enter
search-nothing = Nobody found: Enter calls what is typed
search-agents = Agents
search-queues = Queues
search-contacts = Contacts
search-busy = On a call
search-call-who = Call { $who }
search-consult-who = Consult { $who }
search-transfer-who = Transfer to { $who }
search-conference-who = Conference with { $who }
search-merge-who = Merge { $who } into the open card
search-card-who = Card of { $who }
search-favourites = Favourites
search-recent = Recent
search-at-hand-empty = No favourites yet: star a result to keep it here
search-favourite-who = Add { $who } to favourites
search-unfavourite-who = Remove { $who } from favourites
search-at-hand-name = Favourites and recent
action-merge-into-card = Merge into card
action-contact-card = Card
action-close = Close
action-save = Save
contact-card = Contact card
contact-loading = Loading…
contact-name = Contact's name
contact-name-hint = Name this contact
contact-merge-help = Search another contact and choose "Merge into card" to make them one.
identity-phone = Phone
identity-sip = SIP
identity-email = Email
identity-chat = Chat
error-chat-handover = { $target } did not take the chat ({ $why })
chat-ended-transferred = The chat was handed to your colleague
chat-ended-ended = Your colleague ended the chat
chat-ended-refused = Your colleague could not be reached: the consultation was closed
action-chat-consult = Consult (chat)
action-chat-transfer = Hand chat
search-chat-consult-who = Consult { $who } about this chat
search-chat-transfer-who = Hand this chat to { $who }
chat-add-colleague = Add { $who } to the chat
chat-transfer-to = Hand the chat to { $who }
chat-conference-host = Conference: your colleague sees every message and writes to the customer
chat-conference-guest = You are in the customer's chat: what you write here reaches the customer
chat-transferring = Handing the chat over — waiting for your colleague to take it
error-chat-supervision = { $agent }'s chats: { $why }
chat-coaching = Coaching
team-chats-follow = Follow chats
team-chats-unfollow = Stop following chats
team-chats-none = No chat right now
team-chat-with = Chat with { $who }
team-coach-hint = Coach the agent, or barge in to the customer
team-coach-name = Message about the chat with { $who }
team-coach = Coach
team-chat-barge = Barge in
action-chat = Chat
search-chat-who = Chat with { $who }

# Email (issue 17)
email-no-messages = No messages yet
email-you = You
email-to-line = To: { $to }
email-cc-line = Cc: { $cc }
email-quoted = Quoted text
email-save = Save { $name }
email-reply = Reply
email-reply-all = Reply all
email-forward = Forward
email-to = To
email-cc = Cc
email-cc-hint = Copies to (addresses, separated by commas)
email-to-hint = Addresses, separated by commas
email-compose = Your answer
email-compose-hint = Write your answer — the signature and the quoted message are added
email-remove-file = Remove { $name }
email-attach-file = Attach a file…
file-attach-title = Attach a file
file-save-title = Save the attachment
file-attach = Attach file
file-save = Save file
file-up = Up one folder
file-home = Home folder
file-unreadable = This folder cannot be read: { $why }
file-empty-folder = Nothing in this folder
file-name = File name
file-name-hint = A name, or a whole path
file-replaces = { $name } exists: it will be replaced
file-missing = No such file: { $path }
file-cancel = Cancel
email-send = Send
email-close = Close without sending
email-sending = Sending…
email-refused = Not sent: { $why } — your text is kept
email-signature-note = Your signature and the quoted message are added when it is sent.
email-signature-shown = Added under your answer, with the quoted message:
email-saved = Saved { $path }
error-no-email = No email { $interaction }
error-email = Email: { $why }
error-mailbox-failed = The { $queue } mailbox could not { $what ->
        [release] put a message back in the queue
        [finish] file a finished email in Done
        [flag] flag a message
        [keep-sent] keep a copy in Sent
        [return-claimed] put mail claimed before a restart back in the queue
       *[other] do { $what }
    }: { $why }
error-attachment-not-saved = The attachment was not saved to { $path }: { $why }
email-first-lines = First lines
search-email-who = Write an email to { $who }
action-email = Email
email-new = New email
email-subject = Subject
email-new-hint = Write your email — your signature is added
email-new-text = Your email
email-cancel = Cancel
email-retry = Send again
