package i18n

// textES is the Spanish catalog (Spain): informal (tú).
func textES(k Key) string {
	switch k {
	case Help:
		return "**mistralbot**: esto es lo que puedo hacer por ti.\n" +
			"- Mencióname para preguntarme algo: respondo en un hilo.\n" +
			"- En ese hilo sigue escribiendo sin más, no hace falta que vuelvas a mencionarme.\n" +
			"- `%[1]sask <pregunta>`: hacer una pregunta\n" +
			"- `%[1]scode <tarea>`: pedir ayuda con código\n" +
			"- `%[1]sexplain <código>`: explicar un fragmento de código\n" +
			"- `%[1]sreview <código>`: revisar código\n" +
			"- `%[1]stranslate <idioma> <texto>`: traducir un texto\n" +
			"- `%[1]slang [código|auto]`: ver o cambiar el idioma del canal\n" +
			"- `%[1]sprompt [texto|clear]`: ver o cambiar las instrucciones del canal (admins)\n" +
			"- `%[1]susage`: tu consumo y el del canal\n" +
			"- `%[1]ssummarize [24h|200] [compartir]`: un resumen de este canal o hilo (o mencióname con «ponme al día»)\n" +
			"- `%[1]sdigest [daily 09:00 Europe/Madrid|off]`: el resumen diario del canal (admins)\n" +
			"- `%[1]shelp`: esta ayuda\n" +
			"Reacciona a cualquier mensaje con una bandera (🇫🇷 🇩🇪 🇮🇹 🇪🇸 🇬🇧) para que lo traduzca."
	case Thinking:
		return "Pensando…"
	case ErrInvalid:
		return "Lo siento, no he podido procesar esta petición. Prueba a reformularla o a acortarla."
	case ErrAuth:
		return "El proveedor del modelo ha rechazado mi clave de API. Avisa a un administrador, por favor."
	case ErrBudget:
		return "La cuenta del proveedor del modelo se ha quedado sin crédito. Avisa a un administrador, por favor."
	case ErrModelNotFound:
		return "El modelo `%[1]s` no está disponible. Avisa a un administrador, por favor."
	case ErrRateLimited:
		return "El proveedor del modelo está saturado ahora mismo. Vuelve a intentarlo dentro de un momento."
	case ErrUnavailable:
		return "Ahora mismo no consigo conectar con el modelo. Vuelve a intentarlo dentro de unos minutos."
	case ErrTimeout:
		return "El modelo ha tardado demasiado en responder. Vuelve a intentarlo, quizá con una pregunta más corta."
	case ErrInternal:
		return "Algo ha fallado por mi parte. Vuelve a intentarlo y, si sigue pasando, avisa a un administrador."
	case Busy:
		return "Estoy recibiendo demasiadas preguntas a la vez. Vuelve a intentarlo en breve."
	case CutOff:
		return "⚠️ _La respuesta se ha cortado._ %[1]s"
	case LengthLimit:
		return "⚠️ _La respuesta ha alcanzado la longitud máxima._"
	case FeedbackThanks:
		return "Gracias por tu opinión."
	case FeedbackUnknown:
		return "Ya no puedo registrar opiniones sobre esta respuesta."
	case FeedbackLine:
		return "Opiniones, %[1]s (%[2]s): 👍 %[3]d · 👎 %[4]d"
	case FeedbackReasonLine:
		return "👎 %[1]s: «%[2]s»"
	case Stopped:
		return "⏹️ _Detenida._"
	case StopButton:
		return "Detener"
	case StopNotAllowed:
		return "Solo quien hizo la pregunta (o un admin) puede detener esta respuesta."
	case StopOver:
		return "Esta respuesta ya terminó o ya se detuvo."
	case Interrupted:
		return "⚠️ _Respuesta interrumpida porque me estoy reiniciando. Vuelve a preguntar dentro de un momento._"
	case MessageTooLong:
		return "⚠️ _Este mensaje es demasiado largo para el modelo, cuya ventana de contexto admite %[1]d tokens. Acórtalo o divídelo en varios mensajes; a partir de ahora lo dejo fuera de este hilo._"
	case ContextTruncated:
		return "⚠️ _El servidor del modelo cortó el inicio de esta conversación para que quepa en su ventana de contexto de %[1]d tokens: puede que esta respuesta no tenga en cuenta mensajes anteriores._"
	case HistoryTrimmed:
		return "_(Este hilo es demasiado largo para el modelo, así que solo he leído la parte más reciente. Mensajes omitidos: %[1]d.)_"
	case LimitUserRate:
		return "Has alcanzado tu límite de preguntas por minuto (%[1]d). Vuelve a intentarlo a partir de las %[2]s."
	case LimitUserPending:
		return "Ya tienes %[1]d preguntas esperando respuesta. Respondo primero a esas; las preguntas que envíes antes de que respondan no se responderán, así que vuelve a preguntar después."
	case LimitChannelTokens:
		return "Este canal ha agotado su cupo diario de %[1]d tokens. Se restablece a las %[2]s."
	case LimitDailyUSD:
		return "He alcanzado el límite de gasto de hoy. Vuelvo a estar disponible a las %[1]s."
	case NotAllowedChannel:
		return "Lo siento, no estoy habilitado en este canal."
	case NotAllowedUser:
		return "Lo siento, no estás entre las personas a las que puedo responder."
	case ChannelDisabled:
		return "Un administrador me ha desactivado en este canal."
	case NotInChannel:
		return "Todavía no estoy en este canal. Invítame con `/invite @mistralbot` y vuelve a intentarlo."
	case LangCurrent:
		return "Idioma de este canal: **%[1]s**."
	case LangAuto:
		return "El idioma de este canal es **auto**: respondo en el idioma en el que escribes."
	case LangSet:
		return "Listo: a partir de ahora respondo en **%[1]s** en este canal."
	case LangSetAuto:
		return "Listo: a partir de ahora respondo en el idioma en el que me escriba cada persona."
	case LangInvalid:
		return "No conozco el idioma `%[1]s`. Indica un código o el nombre de un idioma, por ejemplo: %[2]s."
	case NotAdmin:
		return "Solo los administradores del canal pueden cambiar esto."
	case PromptCurrent:
		return "Instrucciones actuales de este canal:\n```\n%[1]s\n```"
	case PromptNone:
		return "Este canal no tiene instrucciones propias, así que uso las predeterminadas."
	case PromptSet:
		return "Listo: he guardado las nuevas instrucciones del canal."
	case PromptCleared:
		return "Listo: he borrado las instrucciones del canal y vuelvo a las predeterminadas."
	case PromptClearedToConfig:
		return "Listo: he borrado las instrucciones fijadas con este comando. Vuelven a aplicarse las que la configuración del bot prevé para este canal:\n```\n%[1]s\n```"
	case PromptTooLong:
		return "Estas instrucciones son demasiado largas: como máximo %[1]d caracteres."
	case UsageReport:
		return "**Tu consumo**\n" +
			"- Hoy: peticiones %[1]d, tokens %[2]d, coste %.4[3]f $\n" +
			"- Este mes: peticiones %[4]d, tokens %[5]d, coste %.4[6]f $\n" +
			"**Este canal**\n" +
			"- Hoy: peticiones %[7]d, tokens %[8]d, coste %.4[9]f $\n" +
			"- Este mes: peticiones %[10]d, tokens %[11]d, coste %.4[12]f $"
	case TranslateUsage:
		return "Uso: `%[1]stranslate <idioma> <texto>`, por ejemplo `%[1]stranslate en ¡Buenos días a todos!`"
	case EmptyQuestion:
		return "¿Cuál es tu pregunta? Escríbela después del comando, por ejemplo `%[1]sask ¿Cómo invierto una lista en Python?`"
	case AttachmentTruncated:
		return "_(El archivo `%[1]s` es largo, así que solo he leído sus primeros %[2]d bytes.)_"
	case ExplainCodeTitle:
		return "Explicar código"
	case ExplainNoCode:
		return "Este mensaje no contiene código que explicar."
	case SuggestTitle1:
		return "Explicar código"
	case SuggestPrompt1:
		return "Explícame paso a paso qué hace este código:"
	case SuggestTitle2:
		return "Revisar mi código"
	case SuggestPrompt2:
		return "Revisa este código: señala errores, riesgos y posibles mejoras."
	case SuggestTitle3:
		return "Traducir un texto"
	case SuggestPrompt3:
		return "Traduce este texto al inglés:"
	case AssistantGreeting:
		return "¡Hola! Soy mistralbot. Pregúntame lo que quieras: código, explicaciones, traducciones…"
	case StoreDegraded:
		return "_(No he podido registrar el consumo de esta respuesta, pero la respuesta en sí está bien.)_"
	case QuestionPosted:
		return "**%[1]s ha preguntado:** %[2]s"
	case DeliveryFailed:
		return "Lo siento, no he podido publicar mi respuesta aquí: la plataforma la ha rechazado. Vuelve a preguntar en un momento."
	case DeliveryArchived:
		return "Lo siento, no he podido publicar mi respuesta: esta conversación se ha archivado."
	case DeliveryFailedIn:
		return "Lo siento, no he podido publicar mi respuesta a tu pregunta en %[1]s: la plataforma la ha rechazado. Si no soy miembro, invítame y vuelve a preguntar."
	case Loading1:
		return "Leyendo tu pregunta…"
	case Loading2:
		return "Pensándolo…"
	case Loading3:
		return "Revisando los detalles…"
	case Loading4:
		return "Escribiendo la respuesta…"
	case ThreadTitleFile:
		return "Pregunta sobre un archivo"
	case ContextPhrases:
		return "este canal|esta conversación"
	case HomeCapabilities:
		return "Lo que puedo hacer"
	case HomeUsage:
		return "Tu uso"
	case HomeDefaults:
		return "Ajustes predeterminados de los canales"
	case HomeSettings:
		return "**Idioma:** %[1]s\n**Modelo:** %[2]s\n**Prompt del sistema:** %[3]s"
	case HomeViewing:
		return "Ajustes de %[1]s, el canal que estás viendo:"
	case HomeLangAuto:
		return "auto (el idioma de cada pregunta)"
	case HomeModelDefault:
		return "el modelo predeterminado"
	case HomePromptBuiltin:
		return "el integrado"
	case Undelivered:
		return "No pude publicar mi respuesta en %[1]s: %[2]s"
	case UndeliveredPermission:
		return "me falta un permiso allí (Ver canal, Enviar mensajes, Enviar mensajes en hilos, Crear hilos públicos o Leer el historial de mensajes). Pide a un administrador del servidor que me lo conceda."
	case UndeliveredDeleted:
		return "el canal o el hilo fue eliminado."
	case UndeliveredArchived:
		return "el hilo fue archivado o bloqueado."
	case UndeliveredUnclear:
		return "la plataforma no confirmó una parte de la respuesta, y no me arriesgo a publicarla dos veces."
	case UndeliveredRefused:
		return "la plataforma la rechazó (error %[1]s)."
	case RegenerateButton:
		return "Regenerar"
	case RegenerateNotAllowed:
		return "Solo quien hizo la pregunta (o un admin) puede regenerar esta respuesta."
	case RegenerateGone:
		return "Esta respuesta ya no se puede regenerar."
	case RegenerateBusy:
		return "Solo la última respuesta de una conversación se puede regenerar, una vez terminada."
	case ReasonTitle:
		return "¿Qué estuvo mal?"
	case ReasonLabel:
		return "Dinos por qué (opcional)"
	case ReasonPlaceholder:
		return "Incorrecta, poco clara, demasiado larga…"
	case ReasonSubmit:
		return "Enviar"
	case ReasonThanks:
		return "Gracias, tu motivo quedó registrado."
	}
	return ""
}
