package i18n

// Keys of the tool loop (issue 16): notices under an answer that used
// tools, the status shown while they run, and the approval prompt.
const (
	// ToolsUnsupported: the model takes no tools; it answered without.
	ToolsUnsupported Key = "tools_unsupported"
	// ToolLimit: the answer used up its tool rounds or time.
	ToolLimit Key = "tool_limit"
	// ToolFailed(tool string): a tool call failed (error, timeout, server
	// down, invalid arguments).
	ToolFailed Key = "tool_failed"
	// ToolDenied(tool string): a person denied the call.
	ToolDenied Key = "tool_denied"
	// ToolExpired(tool string): nobody approved the call in time.
	ToolExpired Key = "tool_expired"
	// ToolSources(list string): the sources the tools returned.
	ToolSources Key = "tool_sources"
	// ToolRunning(tool string): the status while a tool runs.
	ToolRunning Key = "tool_running"
	// ToolWaiting(tool string): the status while a call waits for approval.
	ToolWaiting Key = "tool_waiting"
	// ApprovalPrompt(tool, arguments string): asks the asker (or an admin)
	// to allow a call; arguments are shown in a code block.
	ApprovalPrompt Key = "approval_prompt"
	// ApproveButton and DenyButton label the prompt's buttons.
	ApproveButton Key = "approve_button"
	DenyButton    Key = "deny_button"
	// ApprovalApproved(tool, user string): the prompt once approved.
	ApprovalApproved Key = "approval_approved"
	// ApprovalDenied(tool, user string): the prompt once denied.
	ApprovalDenied Key = "approval_denied"
	// ApprovalExpired(tool string): the prompt once expired.
	ApprovalExpired Key = "approval_expired"
	// ApprovalNotAllowed answers (ephemeral) a click from someone who is
	// neither the asker nor an admin.
	ApprovalNotAllowed Key = "approval_not_allowed"
	// ApprovalOver answers (ephemeral) a click on a prompt already
	// decided or expired.
	ApprovalOver Key = "approval_over"
	// ApprovalWithdrawn(tool string): the prompt once the answer was
	// stopped while it waited.
	ApprovalWithdrawn Key = "approval_withdrawn"
)

// toolKeys are the keys above, for Keys.
func toolKeys() []Key {
	return []Key{ToolsUnsupported, ToolLimit, ToolFailed, ToolDenied, ToolExpired, ToolSources, ToolRunning, ToolWaiting,
		ApprovalPrompt, ApproveButton, DenyButton, ApprovalApproved, ApprovalDenied, ApprovalExpired,
		ApprovalNotAllowed, ApprovalOver, ApprovalWithdrawn}
}

// toolNoticeKeys are the ones appended under an answer, and the texts a
// decided prompt is left with (noticeKeys): the thread's history given to
// the model later leaves them out.
func toolNoticeKeys() []Key {
	return []Key{ToolsUnsupported, ToolLimit, ToolFailed, ToolDenied, ToolExpired, ToolSources,
		ApprovalApproved, ApprovalDenied, ApprovalExpired, ApprovalWithdrawn}
}

// toolText returns the tool texts of a catalog language.
func toolText(lang string, k Key) string {
	if s := toolTexts[lang][k]; s != "" {
		return s
	}
	return summaryText(lang, k) // the summary texts (summary.go) come next
}

// toolTexts is built once, when the package loads: as a literal inside
// toolText it was built again on every call, a map per language each
// time (issue 20: the i18n texts were a fifth of the bytes allocated
// per answer at 1,000 conversations, heap profile alloc_space).
var toolTexts = map[string]map[Key]string{
	"en": {
		ToolsUnsupported:   "_(This model can't use tools, so I answered without them.)_",
		ToolLimit:          "_(I stopped using tools for this answer: it reached their limit.)_",
		ToolFailed:         "_(The tool `%[1]s` failed, so this answer may be incomplete.)_",
		ToolDenied:         "_(I didn't run `%[1]s`: it was denied.)_",
		ToolExpired:        "_(I didn't run `%[1]s`: nobody approved it in time.)_",
		ToolSources:        "Sources: %[1]s",
		ToolRunning:        "Running `%[1]s`…",
		ToolWaiting:        "Waiting for approval to run `%[1]s`…",
		ApprovalPrompt:     "May I run `%[1]s` with these arguments?\n```\n%[2]s\n```",
		ApproveButton:      "Approve",
		DenyButton:         "Deny",
		ApprovalApproved:   "`%[1]s` approved by %[2]s.",
		ApprovalDenied:     "`%[1]s` denied by %[2]s.",
		ApprovalExpired:    "The request to run `%[1]s` expired.",
		ApprovalNotAllowed: "Only the person who asked, or an admin, can decide this.",
		ApprovalOver:       "This request was already decided or has expired.",
		ApprovalWithdrawn:  "The request to run `%[1]s` was withdrawn: the answer was stopped.",
	},
	"fr": {
		ToolsUnsupported:   "_(Ce modèle ne sait pas utiliser d'outils : j'ai répondu sans eux.)_",
		ToolLimit:          "_(J'ai cessé d'utiliser des outils pour cette réponse : leur limite est atteinte.)_",
		ToolFailed:         "_(L'outil `%[1]s` a échoué : cette réponse est peut-être incomplète.)_",
		ToolDenied:         "_(Je n'ai pas lancé `%[1]s` : c'a été refusé.)_",
		ToolExpired:        "_(Je n'ai pas lancé `%[1]s` : personne ne l'a approuvé à temps.)_",
		ToolSources:        "Sources : %[1]s",
		ToolRunning:        "Exécution de `%[1]s`…",
		ToolWaiting:        "En attente d'approbation pour lancer `%[1]s`…",
		ApprovalPrompt:     "Puis-je lancer `%[1]s` avec ces arguments ?\n```\n%[2]s\n```",
		ApproveButton:      "Approuver",
		DenyButton:         "Refuser",
		ApprovalApproved:   "`%[1]s` approuvé par %[2]s.",
		ApprovalDenied:     "`%[1]s` refusé par %[2]s.",
		ApprovalExpired:    "La demande de lancer `%[1]s` a expiré.",
		ApprovalNotAllowed: "Seule la personne qui a posé la question, ou un admin, peut en décider.",
		ApprovalOver:       "Cette demande a déjà été tranchée ou a expiré.",
		ApprovalWithdrawn:  "La demande de lancer `%[1]s` a été retirée : la réponse a été arrêtée.",
	},
	"de": {
		ToolsUnsupported:   "_(Dieses Modell kann keine Tools nutzen, daher habe ich ohne sie geantwortet.)_",
		ToolLimit:          "_(Für diese Antwort nutze ich keine Tools mehr: Ihr Limit ist erreicht.)_",
		ToolFailed:         "_(Das Tool `%[1]s` ist fehlgeschlagen, die Antwort ist vielleicht unvollständig.)_",
		ToolDenied:         "_(Ich habe `%[1]s` nicht ausgeführt: Es wurde abgelehnt.)_",
		ToolExpired:        "_(Ich habe `%[1]s` nicht ausgeführt: Niemand hat es rechtzeitig genehmigt.)_",
		ToolSources:        "Quellen: %[1]s",
		ToolRunning:        "`%[1]s` läuft…",
		ToolWaiting:        "Warte auf die Genehmigung für `%[1]s`…",
		ApprovalPrompt:     "Darf ich `%[1]s` mit diesen Argumenten ausführen?\n```\n%[2]s\n```",
		ApproveButton:      "Genehmigen",
		DenyButton:         "Ablehnen",
		ApprovalApproved:   "`%[1]s` genehmigt von %[2]s.",
		ApprovalDenied:     "`%[1]s` abgelehnt von %[2]s.",
		ApprovalExpired:    "Die Anfrage, `%[1]s` auszuführen, ist abgelaufen.",
		ApprovalNotAllowed: "Nur die fragende Person oder ein Admin kann das entscheiden.",
		ApprovalOver:       "Diese Anfrage ist schon entschieden oder abgelaufen.",
		ApprovalWithdrawn:  "Die Anfrage, `%[1]s` auszuführen, wurde zurückgezogen: Die Antwort wurde gestoppt.",
	},
	"it": {
		ToolsUnsupported:   "_(Questo modello non sa usare strumenti, quindi ho risposto senza.)_",
		ToolLimit:          "_(Ho smesso di usare strumenti per questa risposta: ha raggiunto il loro limite.)_",
		ToolFailed:         "_(Lo strumento `%[1]s` non è riuscito, quindi la risposta potrebbe essere incompleta.)_",
		ToolDenied:         "_(Non ho eseguito `%[1]s`: è stato rifiutato.)_",
		ToolExpired:        "_(Non ho eseguito `%[1]s`: nessuno l'ha approvato in tempo.)_",
		ToolSources:        "Fonti: %[1]s",
		ToolRunning:        "Eseguo `%[1]s`…",
		ToolWaiting:        "In attesa di approvazione per eseguire `%[1]s`…",
		ApprovalPrompt:     "Posso eseguire `%[1]s` con questi argomenti?\n```\n%[2]s\n```",
		ApproveButton:      "Approva",
		DenyButton:         "Rifiuta",
		ApprovalApproved:   "`%[1]s` approvato da %[2]s.",
		ApprovalDenied:     "`%[1]s` rifiutato da %[2]s.",
		ApprovalExpired:    "La richiesta di eseguire `%[1]s` è scaduta.",
		ApprovalNotAllowed: "Solo chi ha fatto la domanda, o un admin, può decidere.",
		ApprovalOver:       "Questa richiesta è già stata decisa o è scaduta.",
		ApprovalWithdrawn:  "La richiesta di eseguire `%[1]s` è stata ritirata: la risposta è stata interrotta.",
	},
	"es": {
		ToolsUnsupported:   "_(Este modelo no sabe usar herramientas, así que he respondido sin ellas.)_",
		ToolLimit:          "_(He dejado de usar herramientas en esta respuesta: ha llegado a su límite.)_",
		ToolFailed:         "_(La herramienta `%[1]s` ha fallado, así que la respuesta puede estar incompleta.)_",
		ToolDenied:         "_(No he ejecutado `%[1]s`: se ha denegado.)_",
		ToolExpired:        "_(No he ejecutado `%[1]s`: nadie lo ha aprobado a tiempo.)_",
		ToolSources:        "Fuentes: %[1]s",
		ToolRunning:        "Ejecutando `%[1]s`…",
		ToolWaiting:        "Esperando aprobación para ejecutar `%[1]s`…",
		ApprovalPrompt:     "¿Puedo ejecutar `%[1]s` con estos argumentos?\n```\n%[2]s\n```",
		ApproveButton:      "Aprobar",
		DenyButton:         "Denegar",
		ApprovalApproved:   "`%[1]s` aprobado por %[2]s.",
		ApprovalDenied:     "`%[1]s` denegado por %[2]s.",
		ApprovalExpired:    "La solicitud de ejecutar `%[1]s` ha caducado.",
		ApprovalNotAllowed: "Solo quien ha preguntado, o un admin, puede decidirlo.",
		ApprovalOver:       "Esta solicitud ya se ha decidido o ha caducado.",
		ApprovalWithdrawn:  "La solicitud de ejecutar `%[1]s` se ha retirado: la respuesta se ha detenido.",
	},
}
