# La fenêtre d'Earshot en français (Canada), avec les termes du poste d'agent que les
# agents connaissent : clavardage, courriel, Aperçu de l'interaction, Code de
# disposition, Remarque. Chaque clé existe aussi en anglais (un test le vérifie).

## La barre du haut
you-are = Vous : { $uri }
registration-registered = Enregistré
registration-registering = Enregistrement…
registration-unregistered = Non enregistré
registration-failed = Échec de l'enregistrement ({ $detail })
registration-other = Enregistrement : { $state }
desk-starting = Démarrage du poste…
state-ready = Prêt
state-ready-busy = Prêt (occupé)
state-not-ready = Non prêt
state-after-call-work = Travail après appel
state-logged-out = Déconnecté
state-with-reason = { $state } — { $reason }
state-then = ensuite { $next }
state-time = Temps dans l'état
action-ready = Prêt
action-not-ready = Non prêt
action-log-out = Se déconnecter
not-ready-first-reason = Ctrl+Maj+N : { $reason }

## Onglets
tab-desk = Poste
tab-history = Historique
tab-team = Équipe
tab-settings = Paramètres

## L'aperçu d'une interaction offerte
preview-title = Aperçu de l'interaction
preview-voice = Appel entrant de { $who }
preview-chat = Clavardage entrant de { $who }
preview-email = Courriel entrant de { $who }
preview-direct = Direct
preview-waiting = attend depuis { $time }
preview-withdrawn = retiré dans { $seconds } s
action-accept = Accepter
action-decline = Refuser
action-reject = Rejeter
announce-offer = { $what }. { $queue }. Accepter : Contrôle Majuscule A. Refuser : Contrôle Majuscule D.

## Canaux et interactions
channel-voice = Appel
channel-chat = Clavardage
channel-email = Courriel
interactions-title = Interactions
chat-no-messages = Aucun message pour l'instant
chat-typing = { $who } écrit…
chat-ended-customer-left = Le client a quitté le clavardage
chat-ended-inactive = Le client ne répond plus : le clavardage a été fermé
chat-ended-agent = Vous avez terminé le clavardage
chat-compose = Message
chat-compose-hint = Écrivez un message — Entrée envoie, Maj+Entrée pour un saut de ligne
chat-send = Envoyer
chat-end = Terminer le clavardage
chat-you = Vous
chat-sending = Envoi en cours
chat-sent = Envoyé (reçu par le serveur)
chat-delivered = Remis
chat-read = Lu
chat-failed = Non envoyé
chat-unread = { $count ->
    [one] 1 nouveau
   *[other] { $count } nouveaux
}
chat-first-message = Premier message
interactions-none = Aucune interaction pour l'instant
interaction-offered = Offerte
interaction-active = En cours
interaction-wrap-up = Clôture
interaction-done = Terminée
interaction-declined = Refusée
interaction-missed = Manquée
interaction-abandoned = Abandonnée
interaction-transferred = Transférée
interaction-on-hold = en attente
interaction-row = { $channel } · { $who } — { $state }
link-consultation = Consultation de n° { $parent }
link-transfer = Transférée de n° { $parent }
link-other = { $kind } de n° { $parent }
case-data = Informations de contexte
case-editable = { $label } (modifiable : Entrée enregistre)
screen-pops = Liens
screen-pop-no-link = Aucun lien : { $problem }

## Clôture
disposition = Code de disposition
disposition-required = obligatoire
disposition-none = aucun
disposition-search = Chercher un code
note = Remarque
note-hint = Ce qui s'est passé, ce qui a été promis
action-done = Terminé
done-needs-disposition = Choisissez d'abord un code de disposition
wrap-up-time-boxed = De nouveau Prêt à la fin du temps de clôture

## Appels
dial-hint = Nom, numéro ou adresse (Ctrl+K)
dial-name = Rechercher ou composer
action-call = Appeler
calls-none = Aucun appel
call-dialing = appel en cours
call-ringing = sonne
call-incoming = entrant
call-active = en conversation
call-held = en attente
call-remote-held = mis en attente par l'autre partie
call-ended = terminé
call-muted = micro coupé
call-conference = conférence
call-quality = { $word } (MOS { $mos }, perte { $loss } %)
quality-good = bonne
quality-fair = correcte
quality-poor = faible
quality-bad = mauvaise
incoming-call = Appel entrant de { $who }
action-answer = Répondre
action-hang-up = Raccrocher
action-hold = Mettre en attente
action-resume = Reprendre
action-mute = Couper le micro
action-unmute = Rétablir le micro
action-keypad = Clavier
action-conference = Conférence
transfer-hint = Transférer ou consulter : sip:… ou un numéro
transfer-name = Numéro ou adresse où transférer ou à consulter
action-transfer = Transférer
action-consult = Consulter
action-complete-transfer = Terminer le transfert
digits-received = Chiffres reçus : { $digits }

## Historique
history-refresh = Actualiser
history-none = Aucun appel pour l'instant
history-in = Entrant
history-out = Sortant
history-call-back = Rappeler
outcome-missed = manqué
outcome-rejected = rejeté
outcome-cancelled = annulé
outcome-failed = échoué

## Équipe (chefs d'équipe)
team-none = Aucun agent suivi
team-monitor-next = Surveiller le prochain appel
team-monitoring = Surveillance de { $agent }
team-call-from = de { $remote } · { $state }
team-call-to = vers { $remote } · { $state }
team-watch-hint = Numéro d'agent ou sip:…
team-watch-name = Agent à suivre
team-watch = Suivre
mode-listen = Écouter
mode-whisper = Chuchoter
mode-barge = Intervenir
action-stop = Arrêter
presence-online = en ligne
presence-offline = hors ligne

## Paramètres
settings-audio = Audio
settings-looking = Recherche des appareils audio…
settings-in-use = Utilisé : { $name }
settings-system-default = Appareil par défaut du système
settings-microphone = Microphone
settings-earpiece = Écouteur
settings-ringing = Sonnerie
settings-ringing-earpiece = Dans l'écouteur
settings-ring-volume = Volume de la sonnerie
settings-use-devices = Utiliser ces appareils
device-not-found = { $name } (introuvable)
settings-account = Compte
settings-account-p2p = Laissez l'adresse vide pour un téléphone poste à poste (sans serveur).
field-address = Adresse
field-user = Usager
field-password = Mot de passe
field-registrar = Serveur d'enregistrement
field-proxy = Mandataire sortant
field-transport = Transport
hint-address = sip:1001@pbx.exemple.com
hint-user = 1001 (l'usager de l'adresse)
hint-registrar = pbx.exemple.com:5060 (l'hôte de l'adresse)
hint-proxy = hôte:port (aucun)
settings-save-account = Enregistrer le compte
account-no-user-host = { $aor } n'a pas de forme usager@hôte
settings-window = Fenêtre
settings-language = Langue
language-system = Système ({ $language })
settings-theme = Thème
theme-system = Celui du système
theme-light = Clair
theme-dark = Sombre

## Messages du téléphone
message-transfer = Appel { $id } : transfert { $status } { $reason }
message-security = Sécurité : { $message }
message-prompt-stopped = Appel { $id } : { $file } arrêté avant la fin
message-screen-pop = Interaction { $id } : { $url } ouvert
message-contacts-imported = { $file } : { $added } contacts ajoutés, { $merged } fusionnés{ $refused ->
    [0] {""}
   *[other] ; lignes refusées : { $lines }
}
message-contacts-exported = { $count } contacts écrits dans { $file }
message-dismiss = Fermer
messages-more = { $count } plus anciens

## Erreurs (un problème du téléphone : `error-<code>`, avec ses valeurs)
error-no-call = Il n'y a pas d'appel { $call }
error-not-ringing = L'appel { $call } ne sonne pas ici
error-not-answered = L'appel { $call } n'est pas répondu
error-not-monitoring = L'appel { $call } n'est pas un appel d'écoute
error-no-audio-to-play-into = L'appel { $call } n'a pas d'audio où jouer
error-no-account-for-number = « { $text } » : donnez une adresse SIP comme sip:usager@hôte (aucun compte pour composer des numéros)
error-not-an-address = « { $text } » n'est pas une adresse SIP : { $why }
error-bad-monitor-mode = « { $text } » : choisissez écoute, chuchotement ou intervention
error-not-watched = { $agent } n'est pas dans votre vue d'équipe (suivez d'abord l'agent)
error-agent-idle = { $agent } n'a pas d'appel en cours
error-no-dialog = { $agent } n'a pas indiqué quel appel
error-not-watching = Vous ne suivez pas { $agent }
error-unanswerable = L'appel { $call } ne pouvait pas être répondu ({ $why }) et a été refusé
error-sip = SIP : { $why }
error-audio = Audio : { $why }
error-play = Impossible de jouer { $file } : { $why }
error-account = Compte : { $why }
error-desk = { $why }
error-locating = Recherche de { $name }…
error-dns = DNS : { $why }
error-history-unavailable = L'historique des appels ne peut pas être ouvert ({ $why }) : les appels n'y sont pas conservés
error-desk-unavailable = Le stockage du poste ne peut pas être ouvert ({ $why }) : les interactions ne sont pas conservées
error-desk-not-saved = La dernière modification du poste n'a pas été enregistrée : { $why }
error-history-not-written = L'historique des appels n'a pas été écrit : { $why }
error-no-history = Il n'y a pas d'historique des appels
error-history-not-read = L'historique des appels ne peut pas être lu : { $why }
error-devices-not-saved = Les périphériques sont utilisés, mais pas enregistrés : { $why }
error-account-not-saved = Le compte est utilisé, mais pas enregistré : { $why }
error-cannot-open-link = Impossible d'ouvrir { $url } : { $why }
error-name-not-found = Impossible de trouver { $name } : { $why }
error-registrar-not-found = Compte { $account } : impossible de trouver { $name } : { $why }
error-no-registrar = Le compte { $account } n'a pas de serveur d'enregistrement
error-account-failed = Compte { $account } : { $why }
error-registering-again = Compte { $account } : { $why }; nouvel enregistrement
error-state-not-publishable = Votre état ne peut pas être publié : { $why }
error-state-refused-by-site = Le site n'accepte pas votre état ({ $why }); les superviseurs qui vous suivent directement le voient encore
error-state-not-published = Votre état n'a pas été publié ({ $why }); nouvel essai dans une minute
error-offer-refused = Un appel de { $from } a été refusé : { $why }
error-call-failed = Appel { $call } : { $why }
error-bad-answer = Appel { $call } : la réponse de l'autre partie est inutilisable : { $why }
error-re-invite-answered = Appel { $call } : l'autre partie a répondu { $status } à une modification
error-re-invite-refused = Appel { $call } : une modification de l'autre partie a été refusée : { $why }
error-hold-refused = Appel { $call } : l'autre partie a refusé la mise en attente ({ $status }); l'appel reste actif
error-resume-refused = Appel { $call } : l'autre partie a refusé la reprise ({ $status }); l'appel reste en attente
error-transfer-failed = Appel { $call } : le transfert vers { $to } a échoué : { $why }
error-call-without-audio = L'appel { $call } n'a pas d'audio : { $why }
error-device-missing = Le périphérique audio { $wanted } est absent; utilisation de { $using }
error-device-failed = Le périphérique audio { $lost } a fait défaut; utilisation de { $using }
error-no-sound-device = Aucun périphérique audio ne fonctionne ({ $why }); les appels continuent sans audio
error-ringing-device-failed = Le périphérique de sonnerie a fait défaut ({ $why }); la sonnerie passe dans le casque
error-no-real-time = L'audio tourne sans priorité temps réel : { $why }
error-mix = Mixage audio : { $why }
error-directory = Répertoire : { $why }
error-no-contact = Il n'y a pas de contact { $id }
error-merge-self = Le contact { $id } ne peut pas être fusionné avec lui-même
error-not-favourite = { $address } ne fait pas partie des favoris
error-no-chat = Il n'y a pas de clavardage { $interaction }
error-chat-closed = Le clavardage { $interaction } est terminé
error-chat = Clavardage : { $why }
error-chat-unreadable = Un message de { $from } n'a pas pu être lu ({ $why }); il a été refusé
error-chat-flood = { $from } envoie trop de messages : les suivants sont refusés pendant quelques secondes
error-contact-store = Contacts : { $why }
error-import-failed = Impossible d'importer { $file } : { $why }
error-export-failed = Impossible d'exporter les contacts vers { $file } : { $why }
error-watch-failed = Impossible de suivre { $agent } : { $why }
error-unreadable-presence = { $agent } : état illisible : { $why }
error-unreadable-dialog = { $agent } : état d'appel illisible : { $why }
error-state-not-shown = { $agent } : l'état n'est pas affiché ({ $why })
error-site-translation = Fichier de traduction { $file } : { $why }
error-window-not-saved = Les réglages de la fenêtre sont utilisés, mais pas enregistrés : { $why }

## Raccourcis
shortcuts = Ctrl+K rechercher · Ctrl+Maj+ A accepter · D refuser · H raccrocher · M micro · O attente · R prêt · N non prêt · E terminé
keys-ctrl-shift = Ctrl+Maj

## Heures (fuseau horaire de l'agent)
date-time = { $day } { $month }, { $hour } h { $minute }
date-time-year = { $day } { $month } { $year }, { $hour } h { $minute }
clock-minutes = { $minutes } min
clock-hours = { $hours } h { $minutes }
today-time = Aujourd'hui, { $hour } h { $minute }
month-1 = janv.
month-2 = févr.
month-3 = mars
month-4 = avr.
month-5 = mai
month-6 = juin
month-7 = juill.
month-8 = août
month-9 = sept.
month-10 = oct.
month-11 = nov.
month-12 = déc.

## Libellés de la configuration par défaut
reason-break = Pause
reason-lunch = Repas
reason-meeting = Réunion
reason-training = Formation
reason-missed-offer = Offre manquée
disposition-resolved = Réglé
disposition-follow-up = Suivi requis
disposition-escalated = Transmis au niveau supérieur
disposition-sale = Vente
disposition-no-sale = Aucune vente
disposition-wrong-number = Mauvais numéro
disposition-callback = Rappel prévu
disposition-timed-out = Temps de clôture écoulé
disposition-group-outcome = Résultat
disposition-group-sales = Ventes
disposition-group-other = Autre

## Le serveur de l'équipe
team-store-offline = Serveur de l'équipe hors ligne{ $waiting ->
    [0] {""}
    [one] {" "}· 1 modification en attente
   *[other] {" "}· { $waiting } modifications en attente
}
team-store-sending = Envoi de { $waiting ->
    [one] 1 modification
   *[other] { $waiting } modifications
} au serveur de l'équipe
team-store-why = Conservé sur cet ordinateur jusqu'au retour du serveur de l'équipe ({ $why })

## Le contact d'une interaction et son historique
contact-new = Nouveau contact : aucune interaction précédente
contact-first = Aucune interaction précédente
contact-recent-week = { $count ->
    [one] 1 interaction précédente
   *[other] { $count } interactions précédentes
} cette semaine
contact-recent-older = Aucune cette semaine
contact-glance = { $often } · dernière : { $last }
contact-outcome-note = { $what } : { $note }
contact-history-title = Déjà avec ce contact
contact-no-case = Aucune information de contexte
contact-whole-history = Tout l'historique

## Team Communicator
key-enter = Entrée
search-nothing = Personne trouvé : Entrée compose ce qui est saisi
search-agents = Agents
search-queues = Files d'attente
search-contacts = Contacts
search-busy = En appel
search-call-who = Appeler { $who }
search-consult-who = Consulter { $who }
search-transfer-who = Transférer à { $who }
search-conference-who = Conférence avec { $who }
search-merge-who = Fusionner { $who } avec la fiche ouverte
search-card-who = Fiche de { $who }
search-favourites = Favoris
search-recent = Récents
search-at-hand-empty = Aucun favori : ajoutez une étoile à un résultat pour le garder ici
search-favourite-who = Ajouter { $who } aux favoris
search-unfavourite-who = Retirer { $who } des favoris
search-at-hand-name = Favoris et récents
action-merge-into-card = Fusionner avec la fiche
action-contact-card = Fiche
action-close = Fermer
action-save = Enregistrer
contact-card = Fiche du contact
contact-loading = Chargement…
contact-name = Nom du contact
contact-name-hint = Nommer ce contact
contact-merge-help = Cherchez un autre contact et choisissez « Fusionner avec la fiche » pour n'en faire qu'un.
identity-phone = Téléphone
identity-sip = SIP
identity-email = Courriel
identity-chat = Clavardage
error-chat-handover = { $target } n'a pas pris la conversation ({ $why })
chat-ended-transferred = La conversation a été confiée à votre collègue
chat-ended-ended = Votre collègue a mis fin à la conversation
chat-ended-refused = Votre collègue est injoignable : la consultation a été fermée
action-chat-consult = Consulter (clavardage)
action-chat-transfer = Confier la conversation
search-chat-consult-who = Consulter { $who } au sujet de cette conversation
search-chat-transfer-who = Confier cette conversation à { $who }
chat-add-colleague = Ajouter { $who } à la conversation
chat-transfer-to = Confier la conversation à { $who }
chat-conference-host = Conférence : votre collègue voit chaque message et écrit au client
chat-conference-guest = Vous êtes dans la conversation du client : ce que vous écrivez ici lui parvient
chat-transferring = Conversation en cours de transfert — en attente de votre collègue
error-chat-supervision = Conversations de { $agent } : { $why }
chat-coaching = Accompagnement
team-chats-follow = Suivre les conversations
team-chats-unfollow = Ne plus suivre les conversations
team-chats-none = Aucune conversation en ce moment
team-chat-with = Conversation avec { $who }
team-coach-hint = Conseiller l'agent, ou intervenir auprès du client
team-coach-name = Message au sujet de la conversation avec { $who }
team-coach = Conseiller
team-chat-barge = Intervenir
action-chat = Clavarder
search-chat-who = Clavarder avec { $who }

# Courriel (tâche 17)
email-no-messages = Aucun message pour l'instant
email-you = Vous
email-to-line = À : { $to }
email-cc-line = Cc : { $cc }
email-quoted = Texte cité
email-save = Enregistrer { $name }
email-reply = Répondre
email-reply-all = Répondre à tous
email-forward = Transférer
email-to = À
email-cc = Cc
email-cc-hint = Copies à (adresses, séparées par des virgules)
email-to-hint = Adresses, séparées par des virgules
email-compose = Votre réponse
email-compose-hint = Rédigez votre réponse — la signature et le message cité sont ajoutés
email-remove-file = Retirer { $name }
email-attach-file = Joindre un fichier…
file-attach-title = Joindre un fichier
file-save-title = Enregistrer la pièce jointe
file-attach = Joindre le fichier
file-save = Enregistrer le fichier
file-up = Dossier parent
file-home = Dossier personnel
file-unreadable = Ce dossier ne peut pas être lu : { $why }
file-empty-folder = Ce dossier est vide
file-name = Nom du fichier
file-name-hint = Un nom, ou un chemin complet
file-replaces = { $name } existe : il sera remplacé
file-missing = Fichier introuvable : { $path }
file-cancel = Annuler
email-send = Envoyer
email-close = Fermer sans envoyer
email-sending = Envoi en cours…
email-refused = Non envoyé : { $why } — votre texte est conservé
email-signature-note = Votre signature et le message cité sont ajoutés à l'envoi.
email-signature-shown = Ajouté sous votre réponse, avec le message cité :
email-saved = Enregistré : { $path }
error-no-email = Aucun courriel { $interaction }
error-email = Courriel : { $why }
error-mailbox-failed = La boîte aux lettres { $queue } n'a pas pu { $what ->
        [release] remettre un message dans la file
        [finish] classer un courriel terminé dans Done
        [flag] marquer un message
        [keep-sent] garder une copie dans Sent
        [return-claimed] remettre dans la file le courrier pris avant un redémarrage
       *[other] faire { $what }
    } : { $why }
error-attachment-not-saved = La pièce jointe n'a pas été enregistrée dans { $path } : { $why }
email-first-lines = Premières lignes
search-email-who = Écrire un courriel à { $who }
action-email = Courriel
email-new = Nouveau courriel
email-subject = Objet
email-new-hint = Rédigez votre courriel — votre signature est ajoutée
email-new-text = Votre courriel
email-cancel = Annuler
email-retry = Renvoyer
