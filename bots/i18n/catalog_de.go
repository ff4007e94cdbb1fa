package i18n

// textDE is the German catalog: informal (du).
func textDE(k Key) string {
	switch k {
	case Help:
		return "**mistralbot**: Das kann ich für dich tun.\n" +
			"- Erwähne mich, wenn du etwas fragen willst: Ich antworte in einem Thread.\n" +
			"- Im Thread schreibst du einfach weiter, ohne mich noch einmal zu erwähnen.\n" +
			"- `%[1]sask <Frage>`: eine Frage stellen\n" +
			"- `%[1]scode <Aufgabe>`: Hilfe beim Programmieren\n" +
			"- `%[1]sexplain <Code>`: Code erklären lassen\n" +
			"- `%[1]sreview <Code>`: Code prüfen lassen\n" +
			"- `%[1]stranslate <Sprache> <Text>`: einen Text übersetzen\n" +
			"- `%[1]slang [Code|auto]`: Sprache des Kanals anzeigen oder festlegen\n" +
			"- `%[1]sprompt [Text|clear]`: Anweisungen für den Kanal anzeigen oder festlegen (Admins)\n" +
			"- `%[1]susage`: dein Verbrauch und der des Kanals\n" +
			"- `%[1]ssummarize [24h|200] [teilen]`: eine Zusammenfassung dieses Kanals oder Threads (oder erwähne mich mit „fass zusammen“)\n" +
			"- `%[1]sdigest [daily 09:00 Europe/Berlin|off]`: die tägliche Zusammenfassung des Kanals (Admins)\n" +
			"- `%[1]shelp`: diese Hilfe\n" +
			"Reagiere mit einer Flagge (🇫🇷 🇩🇪 🇮🇹 🇪🇸 🇬🇧) auf eine Nachricht, um sie übersetzen zu lassen."
	case Thinking:
		return "Moment, ich überlege …"
	case ErrInvalid:
		return "Tut mir leid, diese Anfrage konnte ich nicht verarbeiten. Formuliere sie doch bitte um oder fasse dich kürzer."
	case ErrAuth:
		return "Der Modellanbieter hat meinen API-Schlüssel abgelehnt. Bitte sag einem Admin Bescheid."
	case ErrBudget:
		return "Das Guthaben beim Modellanbieter ist aufgebraucht. Bitte sag einem Admin Bescheid."
	case ErrModelNotFound:
		return "Das Modell `%[1]s` ist nicht verfügbar. Bitte sag einem Admin Bescheid."
	case ErrRateLimited:
		return "Der Modellanbieter ist gerade überlastet. Versuch es gleich noch einmal."
	case ErrUnavailable:
		return "Ich erreiche das Modell gerade nicht. Versuch es in ein paar Minuten noch einmal."
	case ErrTimeout:
		return "Das Modell hat zu lange für die Antwort gebraucht. Versuch es noch einmal, vielleicht mit einer kürzeren Frage."
	case ErrInternal:
		return "Bei mir ist etwas schiefgelaufen. Versuch es noch einmal, und wenn das öfter passiert, sag einem Admin Bescheid."
	case Busy:
		return "Ich bekomme gerade zu viele Fragen auf einmal. Versuch es gleich noch einmal."
	case CutOff:
		return "⚠️ _Die Antwort wurde abgebrochen._ %[1]s"
	case LengthLimit:
		return "⚠️ _Die Antwort hat die maximale Länge erreicht._"
	case FeedbackThanks:
		return "Danke für dein Feedback."
	case FeedbackUnknown:
		return "Zu dieser Antwort kann ich kein Feedback mehr speichern."
	case FeedbackLine:
		return "Rückmeldungen, %[1]s (%[2]s): 👍 %[3]d · 👎 %[4]d"
	case FeedbackReasonLine:
		return "👎 %[1]s: „%[2]s“"
	case Stopped:
		return "⏹️ _Angehalten._"
	case StopButton:
		return "Stopp"
	case StopNotAllowed:
		return "Nur die Person, die gefragt hat (oder ein Admin), kann diese Antwort anhalten."
	case StopOver:
		return "Diese Antwort ist schon fertig oder angehalten."
	case Interrupted:
		return "⚠️ _Antwort unterbrochen, weil ich neu starte. Stell deine Frage gleich noch einmal._"
	case MessageTooLong:
		return "⚠️ _Diese Nachricht ist zu lang für das Modell, dessen Kontextfenster %[1]d Tokens fasst. Kürze sie oder teile sie auf mehrere Nachrichten auf; ich lasse sie in diesem Thread ab jetzt weg._"
	case ContextTruncated:
		return "⚠️ _Der Modellserver hat den Anfang dieser Unterhaltung abgeschnitten, damit sie in sein Kontextfenster von %[1]d Tokens passt: Dieser Antwort können frühere Nachrichten fehlen._"
	case HistoryTrimmed:
		return "_(Dieser Thread ist zu lang für das Modell, deshalb habe ich nur den neuesten Teil gelesen. Ausgelassene Nachrichten: %[1]d.)_"
	case LimitUserRate:
		return "Du hast dein Limit an Fragen pro Minute erreicht (%[1]d). Ab %[2]s kannst du wieder fragen."
	case LimitUserPending:
		return "Du hast bereits %[1]d Fragen, die auf eine Antwort warten. Ich beantworte zuerst diese; Fragen, die du vorher sendest, bleiben unbeantwortet, stelle sie danach erneut."
	case LimitChannelTokens:
		return "Dieser Kanal hat sein Tageskontingent von %[1]d Tokens aufgebraucht. Es wird um %[2]s zurückgesetzt."
	case LimitDailyUSD:
		return "Ich habe mein Ausgabenlimit für heute erreicht. Ab %[1]s bin ich wieder da."
	case NotAllowedChannel:
		return "Tut mir leid, in diesem Kanal bin ich nicht freigeschaltet."
	case NotAllowedUser:
		return "Tut mir leid, du stehst nicht auf der Liste der Personen, denen ich antworten darf."
	case ChannelDisabled:
		return "Ein Admin hat mich in diesem Kanal deaktiviert."
	case NotInChannel:
		return "Ich bin noch nicht in diesem Kanal. Lade mich mit `/invite @mistralbot` ein und versuch es dann noch einmal."
	case LangCurrent:
		return "Sprache dieses Kanals: **%[1]s**."
	case LangAuto:
		return "Die Sprache dieses Kanals ist **auto**: Ich antworte in der Sprache, in der du schreibst."
	case LangSet:
		return "Erledigt: In diesem Kanal antworte ich ab jetzt auf **%[1]s**."
	case LangSetAuto:
		return "Erledigt: Ich antworte ab jetzt in der Sprache, in der man mir schreibt."
	case LangInvalid:
		return "Die Sprache `%[1]s` kenne ich nicht. Gib einen Sprachcode oder -namen an, zum Beispiel: %[2]s."
	case NotAdmin:
		return "Das können nur Admins des Kanals ändern."
	case PromptCurrent:
		return "Aktuelle Anweisungen für diesen Kanal:\n```\n%[1]s\n```"
	case PromptNone:
		return "Dieser Kanal hat keine eigenen Anweisungen, deshalb nutze ich die Standardanweisungen."
	case PromptSet:
		return "Erledigt: Die neuen Anweisungen für diesen Kanal sind gespeichert."
	case PromptCleared:
		return "Erledigt: Die Anweisungen dieses Kanals sind gelöscht, ich nutze wieder die Standardanweisungen."
	case PromptClearedToConfig:
		return "Erledigt: Die mit diesem Befehl gesetzten Anweisungen sind gelöscht. Es gelten wieder die Anweisungen, die die Bot-Konfiguration für diesen Kanal vorsieht:\n```\n%[1]s\n```"
	case PromptTooLong:
		return "Diese Anweisungen sind zu lang: höchstens %[1]d Zeichen."
	case UsageReport:
		return "**Dein Verbrauch**\n" +
			"- Heute: Anfragen %[1]d, Tokens %[2]d, Kosten %.4[3]f $\n" +
			"- Diesen Monat: Anfragen %[4]d, Tokens %[5]d, Kosten %.4[6]f $\n" +
			"**Dieser Kanal**\n" +
			"- Heute: Anfragen %[7]d, Tokens %[8]d, Kosten %.4[9]f $\n" +
			"- Diesen Monat: Anfragen %[10]d, Tokens %[11]d, Kosten %.4[12]f $"
	case TranslateUsage:
		return "So geht's: `%[1]stranslate <Sprache> <Text>`, zum Beispiel `%[1]stranslate en Guten Morgen zusammen!`"
	case EmptyQuestion:
		return "Was möchtest du wissen? Schreib deine Frage hinter den Befehl, zum Beispiel `%[1]sask Wie drehe ich in Python eine Liste um?`"
	case AttachmentTruncated:
		return "_(Die Datei `%[1]s` ist lang, deshalb habe ich nur die ersten %[2]d Bytes gelesen.)_"
	case ExplainCodeTitle:
		return "Code erklären"
	case ExplainNoCode:
		return "In dieser Nachricht steht kein Code, den ich erklären könnte."
	case SuggestTitle1:
		return "Code erklären lassen"
	case SuggestPrompt1:
		return "Erklär mir Schritt für Schritt, was dieser Code macht:"
	case SuggestTitle2:
		return "Meinen Code prüfen"
	case SuggestPrompt2:
		return "Prüf diesen Code und weise mich auf Fehler, Risiken und mögliche Verbesserungen hin."
	case SuggestTitle3:
		return "Einen Text übersetzen"
	case SuggestPrompt3:
		return "Übersetz diesen Text ins Englische:"
	case AssistantGreeting:
		return "Hallo! Ich bin mistralbot. Frag mich, was du willst: Code, Erklärungen, Übersetzungen …"
	case StoreDegraded:
		return "_(Den Verbrauch dieser Antwort konnte ich nicht speichern, die Antwort selbst ist aber in Ordnung.)_"
	case QuestionPosted:
		return "**%[1]s hat gefragt:** %[2]s"
	case DeliveryFailed:
		return "Entschuldigung, ich konnte meine Antwort hier nicht veröffentlichen: Die Plattform hat sie abgelehnt. Bitte frag gleich noch einmal."
	case DeliveryArchived:
		return "Entschuldigung, ich konnte meine Antwort nicht veröffentlichen: Diese Unterhaltung wurde archiviert."
	case DeliveryFailedIn:
		return "Entschuldigung, ich konnte meine Antwort auf deine Frage in %[1]s nicht veröffentlichen: Die Plattform hat sie abgelehnt. Wenn ich dort kein Mitglied bin, lade mich ein und frag noch einmal."
	case Loading1:
		return "Ich lese deine Frage…"
	case Loading2:
		return "Ich denke nach…"
	case Loading3:
		return "Ich prüfe die Details…"
	case Loading4:
		return "Ich schreibe die Antwort…"
	case ThreadTitleFile:
		return "Frage zu einer Datei"
	case ContextPhrases:
		return "diesen kanal|diesem kanal|dieser kanal|dieses kanals|diese unterhaltung"
	case HomeCapabilities:
		return "Was ich kann"
	case HomeUsage:
		return "Deine Nutzung"
	case HomeDefaults:
		return "Standardeinstellungen der Kanäle"
	case HomeSettings:
		return "**Sprache:** %[1]s\n**Modell:** %[2]s\n**System-Prompt:** %[3]s"
	case HomeViewing:
		return "Einstellungen von %[1]s, dem Kanal, den du gerade ansiehst:"
	case HomeLangAuto:
		return "auto (die Sprache jeder Frage)"
	case HomeModelDefault:
		return "das Standardmodell"
	case HomePromptBuiltin:
		return "der eingebaute"
	case Undelivered:
		return "Ich konnte meine Antwort in %[1]s nicht posten: %[2]s"
	case UndeliveredPermission:
		return "Mir fehlt dort eine Berechtigung (Kanal ansehen, Nachrichten senden, Nachrichten in Threads senden, Öffentliche Threads erstellen oder Nachrichtenverlauf lesen). Bitte einen Server-Admin, sie mir zu geben."
	case UndeliveredDeleted:
		return "der Kanal oder Thread wurde gelöscht."
	case UndeliveredArchived:
		return "der Thread wurde archiviert oder gesperrt."
	case UndeliveredUnclear:
		return "die Plattform hat einen Teil nicht bestätigt, und ich riskiere nicht, ihn doppelt zu posten."
	case UndeliveredRefused:
		return "die Plattform hat sie abgelehnt (Fehler %[1]s)."
	case RegenerateButton:
		return "Neu erzeugen"
	case RegenerateNotAllowed:
		return "Nur die Person, die gefragt hat (oder ein Admin), kann diese Antwort neu erzeugen."
	case RegenerateGone:
		return "Diese Antwort kann nicht mehr neu erzeugt werden."
	case RegenerateBusy:
		return "Nur die letzte Antwort eines Gesprächs kann neu erzeugt werden, sobald sie fertig ist."
	case ReasonTitle:
		return "Was war falsch?"
	case ReasonLabel:
		return "Sag uns warum (optional)"
	case ReasonPlaceholder:
		return "Falsch, unklar, zu lang…"
	case ReasonSubmit:
		return "Senden"
	case ReasonThanks:
		return "Danke, dein Grund ist gespeichert."
	}
	return ""
}
