package i18n

// textFR is the French catalog: informal (tu), a space before ? ! : ;.
func textFR(k Key) string {
	switch k {
	case Help:
		return "**mistralbot** : voici ce que je sais faire.\n" +
			"- Mentionne-moi pour me poser une question : je réponds dans un fil.\n" +
			"- Dans ce fil, continue simplement à écrire : pas besoin de me mentionner à nouveau.\n" +
			"- `%[1]sask <question>` : poser une question\n" +
			"- `%[1]scode <tâche>` : obtenir de l'aide pour coder\n" +
			"- `%[1]sexplain <code>` : expliquer du code\n" +
			"- `%[1]sreview <code>` : relire du code\n" +
			"- `%[1]stranslate <langue> <texte>` : traduire un texte\n" +
			"- `%[1]slang [code|auto]` : voir ou changer la langue du canal\n" +
			"- `%[1]sprompt [texte|clear]` : voir ou changer les consignes du canal (admins)\n" +
			"- `%[1]susage` : ta consommation et celle du canal\n" +
			"- `%[1]ssummarize [24h|200] [partager]` : un résumé de ce canal ou fil (ou mentionne-moi avec « résume-moi »)\n" +
			"- `%[1]sdigest [daily 09:00 Europe/Paris|off]` : le résumé quotidien du canal (admins)\n" +
			"- `%[1]shelp` : cette aide\n" +
			"Réagis à n'importe quel message avec un drapeau (🇫🇷 🇩🇪 🇮🇹 🇪🇸 🇬🇧) pour le faire traduire."
	case Thinking:
		return "Je réfléchis…"
	case ErrInvalid:
		return "Désolé, je n'ai pas pu traiter cette demande. Essaie de la reformuler ou de la raccourcir."
	case ErrAuth:
		return "Le fournisseur du modèle a refusé ma clé d'API. Préviens un admin, s'il te plaît."
	case ErrBudget:
		return "Le compte chez le fournisseur du modèle n'a plus de crédits. Préviens un admin, s'il te plaît."
	case ErrModelNotFound:
		return "Le modèle `%[1]s` n'est pas disponible. Préviens un admin, s'il te plaît."
	case ErrRateLimited:
		return "Le fournisseur du modèle est débordé en ce moment. Réessaie dans un instant."
	case ErrUnavailable:
		return "Je n'arrive pas à joindre le modèle pour l'instant. Réessaie dans quelques minutes."
	case ErrTimeout:
		return "Le modèle a mis trop de temps à répondre. Réessaie, peut-être avec une question plus courte."
	case ErrInternal:
		return "Un problème est survenu de mon côté. Réessaie, et si ça continue, préviens un admin."
	case Busy:
		return "Je reçois trop de questions à la fois. Réessaie d'ici peu."
	case CutOff:
		return "⚠️ _La réponse a été interrompue._ %[1]s"
	case LengthLimit:
		return "⚠️ _La réponse a atteint la longueur maximale._"
	case FeedbackThanks:
		return "Merci pour ton avis."
	case FeedbackUnknown:
		return "Je ne peux plus enregistrer d'avis sur cette réponse."
	case FeedbackLine:
		return "Avis, %[1]s (%[2]s) : 👍 %[3]d · 👎 %[4]d"
	case FeedbackReasonLine:
		return "👎 %[1]s : « %[2]s »"
	case Stopped:
		return "⏹️ _Réponse arrêtée._"
	case StopButton:
		return "Arrêter"
	case StopNotAllowed:
		return "Seule la personne qui a posé la question (ou un admin) peut arrêter cette réponse."
	case StopOver:
		return "Cette réponse est déjà terminée ou arrêtée."
	case Interrupted:
		return "⚠️ _Réponse interrompue : je redémarre. Repose ta question dans un instant._"
	case MessageTooLong:
		return "⚠️ _Ce message est trop long pour le modèle, dont la fenêtre de contexte contient %[1]d jetons. Raccourcissez-le ou découpez-le en plusieurs messages ; je l’ignore désormais dans ce fil._"
	case ContextTruncated:
		return "⚠️ _Le serveur du modèle a coupé le début de cette conversation pour tenir dans sa fenêtre de contexte de %[1]d jetons : cette réponse peut ignorer des messages précédents._"
	case HistoryTrimmed:
		return "_(Ce fil est trop long pour le modèle, je n'en ai donc lu que la partie la plus récente. Messages laissés de côté : %[1]d.)_"
	case LimitUserRate:
		return "Tu as atteint ta limite de questions par minute (%[1]d). Réessaie après %[2]s."
	case LimitUserPending:
		return "Tu as déjà %[1]d questions en attente de réponse. Je réponds d'abord à celles-ci ; les questions envoyées avant ces réponses ne recevront pas de réponse, repose-les ensuite."
	case LimitChannelTokens:
		return "Ce canal a épuisé son quota quotidien de %[1]d tokens. Il sera remis à zéro à %[2]s."
	case LimitDailyUSD:
		return "J'ai atteint mon plafond de dépenses pour aujourd'hui. Je serai de retour à %[1]s."
	case NotAllowedChannel:
		return "Désolé, je ne suis pas activé dans ce canal."
	case NotAllowedUser:
		return "Désolé, tu ne fais pas partie des personnes à qui je peux répondre."
	case ChannelDisabled:
		return "Un admin m'a désactivé dans ce canal."
	case NotInChannel:
		return "Je ne suis pas encore dans ce canal. Invite-moi avec `/invite @mistralbot`, puis réessaie."
	case LangCurrent:
		return "Langue du canal : **%[1]s**."
	case LangAuto:
		return "La langue du canal est **auto** : je réponds dans la langue dans laquelle tu m'écris."
	case LangSet:
		return "C'est fait : désormais, je réponds en **%[1]s** dans ce canal."
	case LangSetAuto:
		return "C'est fait : désormais, je réponds dans la langue de chaque personne qui m'écrit."
	case LangInvalid:
		return "Je ne connais pas la langue `%[1]s`. Indique un code ou un nom de langue, par exemple : %[2]s."
	case NotAdmin:
		return "Seuls les admins du canal peuvent modifier ce réglage."
	case PromptCurrent:
		return "Consignes actuelles du canal :\n```\n%[1]s\n```"
	case PromptNone:
		return "Ce canal n'a pas de consignes propres : j'utilise celles par défaut."
	case PromptSet:
		return "C'est fait : les nouvelles consignes du canal sont enregistrées."
	case PromptCleared:
		return "C'est fait : les consignes du canal sont supprimées, je reviens à celles par défaut."
	case PromptClearedToConfig:
		return "C'est fait : les consignes définies par cette commande sont supprimées. Celles que la configuration du bot prévoit pour ce canal s'appliquent de nouveau :\n```\n%[1]s\n```"
	case PromptTooLong:
		return "Ces consignes sont trop longues : %[1]d caractères au maximum."
	case UsageReport:
		return "**Ta consommation**\n" +
			"- Aujourd'hui : requêtes %[1]d, tokens %[2]d, coût %.4[3]f $\n" +
			"- Ce mois-ci : requêtes %[4]d, tokens %[5]d, coût %.4[6]f $\n" +
			"**Ce canal**\n" +
			"- Aujourd'hui : requêtes %[7]d, tokens %[8]d, coût %.4[9]f $\n" +
			"- Ce mois-ci : requêtes %[10]d, tokens %[11]d, coût %.4[12]f $"
	case TranslateUsage:
		return "Utilisation : `%[1]stranslate <langue> <texte>`, par exemple `%[1]stranslate en Bonjour à tous !`"
	case EmptyQuestion:
		return "Quelle est ta question ? Écris-la après la commande, par exemple `%[1]sask Comment inverser une liste en Python ?`"
	case AttachmentTruncated:
		return "_(Le fichier `%[1]s` est long : je n'en ai lu que les %[2]d premiers octets.)_"
	case ExplainCodeTitle:
		return "Expliquer le code"
	case ExplainNoCode:
		return "Ce message ne contient pas de code à expliquer."
	case SuggestTitle1:
		return "Expliquer du code"
	case SuggestPrompt1:
		return "Explique-moi étape par étape ce que fait ce code :"
	case SuggestTitle2:
		return "Relire mon code"
	case SuggestPrompt2:
		return "Relis ce code : signale les bugs, les risques et les améliorations possibles."
	case SuggestTitle3:
		return "Traduire un texte"
	case SuggestPrompt3:
		return "Traduis ce texte en anglais :"
	case AssistantGreeting:
		return "Salut ! Moi, c'est mistralbot. Pose-moi tes questions : code, explications, traductions…"
	case StoreDegraded:
		return "_(Je n'ai pas pu enregistrer la consommation de cette réponse, mais la réponse elle-même est correcte.)_"
	case QuestionPosted:
		return "**%[1]s a demandé :** %[2]s"
	case DeliveryFailed:
		return "Désolé, je n'ai pas pu publier ma réponse ici : la plateforme l'a refusée. Reposez la question dans un instant."
	case DeliveryArchived:
		return "Désolé, je n'ai pas pu publier ma réponse : cette conversation a été archivée."
	case DeliveryFailedIn:
		return "Désolé, je n'ai pas pu publier ma réponse à votre question dans %[1]s : la plateforme l'a refusée. Si je n'en suis pas membre, invitez-moi, puis reposez la question."
	case Loading1:
		return "Je lis votre question…"
	case Loading2:
		return "Je réfléchis…"
	case Loading3:
		return "Je vérifie les détails…"
	case Loading4:
		return "J’écris la réponse…"
	case ThreadTitleFile:
		return "Question sur un fichier"
	case ContextPhrases:
		return "ce canal|cette chaîne|ce salon|cette conversation"
	case HomeCapabilities:
		return "Ce que je sais faire"
	case HomeUsage:
		return "Votre consommation"
	case HomeDefaults:
		return "Réglages par défaut des canaux"
	case HomeSettings:
		return "**Langue :** %[1]s\n**Modèle :** %[2]s\n**Prompt système :** %[3]s"
	case HomeViewing:
		return "Réglages de %[1]s, le canal que vous consultez :"
	case HomeLangAuto:
		return "auto (la langue de chaque question)"
	case HomeModelDefault:
		return "le modèle par défaut"
	case HomePromptBuiltin:
		return "celui intégré"
	case Undelivered:
		return "Je n'ai pas pu publier ma réponse dans %[1]s : %[2]s"
	case UndeliveredPermission:
		return "il me manque une permission là-bas (Voir le salon, Envoyer des messages, Envoyer des messages dans les fils, Créer des fils publics ou Voir les anciens messages). Demandez à un administrateur du serveur de me l'accorder."
	case UndeliveredDeleted:
		return "le salon ou le fil a été supprimé."
	case UndeliveredArchived:
		return "le fil a été archivé ou verrouillé."
	case UndeliveredUnclear:
		return "la plateforme n'a pas confirmé une partie de la réponse, et je ne veux pas risquer de la publier deux fois."
	case UndeliveredRefused:
		return "la plateforme l'a refusée (erreur %[1]s)."
	case RegenerateButton:
		return "Régénérer"
	case RegenerateNotAllowed:
		return "Seule la personne qui a posé la question (ou un admin) peut régénérer cette réponse."
	case RegenerateGone:
		return "Cette réponse ne peut plus être régénérée."
	case RegenerateBusy:
		return "Seule la dernière réponse d'une conversation peut être régénérée, une fois terminée."
	case ReasonTitle:
		return "Qu'est-ce qui cloche ?"
	case ReasonLabel:
		return "Dis-nous pourquoi (facultatif)"
	case ReasonPlaceholder:
		return "Faux, pas clair, trop long…"
	case ReasonSubmit:
		return "Envoyer"
	case ReasonThanks:
		return "Merci, ta raison est enregistrée."
	}
	return ""
}
