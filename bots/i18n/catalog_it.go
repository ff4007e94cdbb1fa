package i18n

// textIT is the Italian catalog: informal (tu).
func textIT(k Key) string {
	switch k {
	case Help:
		return "**mistralbot**: ecco cosa posso fare per te.\n" +
			"- Menzionami per farmi una domanda: rispondo in un thread.\n" +
			"- Nel thread continua pure a scrivere, senza menzionarmi di nuovo.\n" +
			"- `%[1]sask <domanda>`: fare una domanda\n" +
			"- `%[1]scode <compito>`: farti aiutare con il codice\n" +
			"- `%[1]sexplain <codice>`: farti spiegare del codice\n" +
			"- `%[1]sreview <codice>`: farti rivedere del codice\n" +
			"- `%[1]stranslate <lingua> <testo>`: tradurre un testo\n" +
			"- `%[1]slang [codice|auto]`: vedere o impostare la lingua del canale\n" +
			"- `%[1]sprompt [testo|clear]`: vedere o impostare le istruzioni del canale (admin)\n" +
			"- `%[1]susage`: i tuoi consumi e quelli del canale\n" +
			"- `%[1]ssummarize [24h|200] [condividi]`: un riassunto di questo canale o thread (o menzionami con «riassumi»)\n" +
			"- `%[1]sdigest [daily 09:00 Europe/Rome|off]`: il riassunto quotidiano del canale (admin)\n" +
			"- `%[1]shelp`: questa guida\n" +
			"Reagisci a un messaggio con una bandiera (🇫🇷 🇩🇪 🇮🇹 🇪🇸 🇬🇧) per fartelo tradurre."
	case Thinking:
		return "Ci sto pensando…"
	case ErrInvalid:
		return "Scusa, non sono riuscito a elaborare questa richiesta. Prova a riformularla o ad accorciarla."
	case ErrAuth:
		return "Il fornitore del modello ha rifiutato la mia chiave API. Avvisa un amministratore, per favore."
	case ErrBudget:
		return "Il credito presso il fornitore del modello è esaurito. Avvisa un amministratore, per favore."
	case ErrModelNotFound:
		return "Il modello `%[1]s` non è disponibile. Avvisa un amministratore, per favore."
	case ErrRateLimited:
		return "Il fornitore del modello è sovraccarico in questo momento. Riprova tra poco."
	case ErrUnavailable:
		return "Al momento non riesco a raggiungere il modello. Riprova tra qualche minuto."
	case ErrTimeout:
		return "Il modello ci ha messo troppo a rispondere. Riprova, magari con una domanda più breve."
	case ErrInternal:
		return "Qualcosa è andato storto da parte mia. Riprova e, se continua a succedere, avvisa un amministratore."
	case Busy:
		return "Sto ricevendo troppe domande tutte insieme. Riprova tra poco."
	case CutOff:
		return "⚠️ _La risposta si è interrotta._ %[1]s"
	case LengthLimit:
		return "⚠️ _La risposta ha raggiunto la lunghezza massima._"
	case FeedbackThanks:
		return "Grazie per il tuo feedback."
	case FeedbackUnknown:
		return "Non posso più registrare feedback su questa risposta."
	case FeedbackLine:
		return "Valutazioni, %[1]s (%[2]s): 👍 %[3]d · 👎 %[4]d"
	case FeedbackReasonLine:
		return "👎 %[1]s: «%[2]s»"
	case Stopped:
		return "⏹️ _Interrotta._"
	case StopButton:
		return "Ferma"
	case StopNotAllowed:
		return "Solo chi ha fatto la domanda (o un admin) può fermare questa risposta."
	case StopOver:
		return "Questa risposta è già finita o fermata."
	case Interrupted:
		return "⚠️ _Risposta interrotta perché mi sto riavviando. Rifai la domanda tra un attimo._"
	case MessageTooLong:
		return "⚠️ _Questo messaggio è troppo lungo per il modello, la cui finestra di contesto contiene %[1]d token. Accorcialo o dividilo in più messaggi; d’ora in poi lo escludo da questa discussione._"
	case ContextTruncated:
		return "⚠️ _Il server del modello ha tagliato l’inizio di questa conversazione per farla stare nella sua finestra di contesto di %[1]d token: questa risposta potrebbe non tenere conto dei messaggi precedenti._"
	case HistoryTrimmed:
		return "_(Questo thread è troppo lungo per il modello, quindi ho letto solo la parte più recente. Messaggi tralasciati: %[1]d.)_"
	case LimitUserRate:
		return "Hai raggiunto il tuo limite di domande al minuto (%[1]d). Riprova dopo le %[2]s."
	case LimitUserPending:
		return "Hai già %[1]d domande in attesa di risposta. Rispondo prima a quelle; le domande inviate prima delle risposte non ricevono risposta, riproponile dopo."
	case LimitChannelTokens:
		return "Questo canale ha esaurito il suo budget giornaliero di %[1]d token. Si azzera alle %[2]s."
	case LimitDailyUSD:
		return "Ho raggiunto il limite di spesa di oggi. Torno disponibile alle %[1]s."
	case NotAllowedChannel:
		return "Mi dispiace, non sono abilitato in questo canale."
	case NotAllowedUser:
		return "Mi dispiace, non sei tra le persone a cui posso rispondere."
	case ChannelDisabled:
		return "Un amministratore mi ha disattivato in questo canale."
	case NotInChannel:
		return "Non sono ancora in questo canale. Invitami con `/invite @mistralbot` e riprova."
	case LangCurrent:
		return "Lingua di questo canale: **%[1]s**."
	case LangAuto:
		return "La lingua di questo canale è **auto**: rispondo nella lingua in cui scrivi."
	case LangSet:
		return "Fatto: d'ora in poi in questo canale rispondo in **%[1]s**."
	case LangSetAuto:
		return "Fatto: d'ora in poi rispondo nella lingua in cui mi scrivono."
	case LangInvalid:
		return "Non conosco la lingua `%[1]s`. Indica un codice o il nome di una lingua, per esempio: %[2]s."
	case NotAdmin:
		return "Solo gli amministratori del canale possono modificarlo."
	case PromptCurrent:
		return "Istruzioni attuali di questo canale:\n```\n%[1]s\n```"
	case PromptNone:
		return "Questo canale non ha istruzioni proprie, quindi uso quelle predefinite."
	case PromptSet:
		return "Fatto: ho salvato le nuove istruzioni del canale."
	case PromptCleared:
		return "Fatto: ho cancellato le istruzioni del canale e torno a quelle predefinite."
	case PromptClearedToConfig:
		return "Fatto: ho cancellato le istruzioni impostate con questo comando. Tornano a valere quelle che la configurazione del bot prevede per questo canale:\n```\n%[1]s\n```"
	case PromptTooLong:
		return "Queste istruzioni sono troppo lunghe: al massimo %[1]d caratteri."
	case UsageReport:
		return "**I tuoi consumi**\n" +
			"- Oggi: richieste %[1]d, token %[2]d, costo %.4[3]f $\n" +
			"- Questo mese: richieste %[4]d, token %[5]d, costo %.4[6]f $\n" +
			"**Questo canale**\n" +
			"- Oggi: richieste %[7]d, token %[8]d, costo %.4[9]f $\n" +
			"- Questo mese: richieste %[10]d, token %[11]d, costo %.4[12]f $"
	case TranslateUsage:
		return "Uso: `%[1]stranslate <lingua> <testo>`, per esempio `%[1]stranslate en Buongiorno a tutti!`"
	case EmptyQuestion:
		return "Qual è la tua domanda? Scrivila dopo il comando, per esempio `%[1]sask Come si inverte una lista in Python?`"
	case AttachmentTruncated:
		return "_(Il file `%[1]s` è lungo, quindi ne ho letto solo i primi %[2]d byte.)_"
	case ExplainCodeTitle:
		return "Spiega il codice"
	case ExplainNoCode:
		return "Questo messaggio non contiene codice da spiegare."
	case SuggestTitle1:
		return "Spiegami del codice"
	case SuggestPrompt1:
		return "Spiegami passo per passo cosa fa questo codice:"
	case SuggestTitle2:
		return "Rivedi il mio codice"
	case SuggestPrompt2:
		return "Rivedi questo codice: segnala bug, rischi e possibili miglioramenti."
	case SuggestTitle3:
		return "Traduci un testo"
	case SuggestPrompt3:
		return "Traduci questo testo in inglese:"
	case AssistantGreeting:
		return "Ciao! Sono mistralbot. Chiedimi quello che vuoi: codice, spiegazioni, traduzioni…"
	case StoreDegraded:
		return "_(Non sono riuscito a registrare i consumi di questa risposta, ma la risposta in sé è corretta.)_"
	case QuestionPosted:
		return "**%[1]s ha chiesto:** %[2]s"
	case DeliveryFailed:
		return "Mi dispiace, non sono riuscito a pubblicare qui la mia risposta: la piattaforma l'ha rifiutata. Riprova tra poco."
	case DeliveryArchived:
		return "Mi dispiace, non sono riuscito a pubblicare la mia risposta: questa conversazione è stata archiviata."
	case DeliveryFailedIn:
		return "Mi dispiace, non sono riuscito a pubblicare la risposta alla tua domanda in %[1]s: la piattaforma l'ha rifiutata. Se non ne faccio parte, invitami e poi chiedi di nuovo."
	case Loading1:
		return "Leggo la tua domanda…"
	case Loading2:
		return "Ci sto pensando…"
	case Loading3:
		return "Controllo i dettagli…"
	case Loading4:
		return "Scrivo la risposta…"
	case ThreadTitleFile:
		return "Domanda su un file"
	case ContextPhrases:
		return "questo canale|questa conversazione"
	case HomeCapabilities:
		return "Cosa so fare"
	case HomeUsage:
		return "Il tuo utilizzo"
	case HomeDefaults:
		return "Impostazioni predefinite dei canali"
	case HomeSettings:
		return "**Lingua:** %[1]s\n**Modello:** %[2]s\n**Prompt di sistema:** %[3]s"
	case HomeViewing:
		return "Impostazioni di %[1]s, il canale che stai guardando:"
	case HomeLangAuto:
		return "auto (la lingua di ogni domanda)"
	case HomeModelDefault:
		return "il modello predefinito"
	case HomePromptBuiltin:
		return "quello integrato"
	case Undelivered:
		return "Non sono riuscito a pubblicare la mia risposta in %[1]s: %[2]s"
	case UndeliveredPermission:
		return "mi manca un permesso lì (Visualizzare il canale, Inviare messaggi, Inviare messaggi nei thread, Creare thread pubblici o Leggere la cronologia dei messaggi). Chiedi a un amministratore del server di concedermelo."
	case UndeliveredDeleted:
		return "il canale o il thread è stato eliminato."
	case UndeliveredArchived:
		return "il thread è stato archiviato o bloccato."
	case UndeliveredUnclear:
		return "la piattaforma non ha confermato una parte della risposta, e non rischio di pubblicarla due volte."
	case UndeliveredRefused:
		return "la piattaforma l'ha rifiutata (errore %[1]s)."
	case RegenerateButton:
		return "Rigenera"
	case RegenerateNotAllowed:
		return "Solo chi ha fatto la domanda (o un admin) può rigenerare questa risposta."
	case RegenerateGone:
		return "Questa risposta non può più essere rigenerata."
	case RegenerateBusy:
		return "Solo l'ultima risposta di una conversazione può essere rigenerata, una volta finita."
	case ReasonTitle:
		return "Cosa non andava?"
	case ReasonLabel:
		return "Dicci perché (facoltativo)"
	case ReasonPlaceholder:
		return "Sbagliata, poco chiara, troppo lunga…"
	case ReasonSubmit:
		return "Invia"
	case ReasonThanks:
		return "Grazie, il motivo è registrato."
	}
	return ""
}
