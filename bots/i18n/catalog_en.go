package i18n

// textEN is the English catalog, the fallback of the others.
func textEN(k Key) string {
	switch k {
	case Help:
		return "**mistralbot**: here's what I can do.\n" +
			"- Mention me to ask something: I answer in a thread.\n" +
			"- In that thread, just keep writing: no need to mention me again.\n" +
			"- `%[1]sask <question>`: ask a question\n" +
			"- `%[1]scode <task>`: get help with code\n" +
			"- `%[1]sexplain <code>`: explain some code\n" +
			"- `%[1]sreview <code>`: review some code\n" +
			"- `%[1]stranslate <language> <text>`: translate a text\n" +
			"- `%[1]slang [code|auto]`: show or set this channel's language\n" +
			"- `%[1]sprompt [text|clear]`: show or set this channel's instructions (admins)\n" +
			"- `%[1]susage`: your usage and this channel's\n" +
			"- `%[1]ssummarize [24h|200] [share]`: a summary of this channel or thread (or mention me with \"catch me up\")\n" +
			"- `%[1]sdigest [daily 09:00 Europe/Paris|off]`: this channel's daily digest (admins)\n" +
			"- `%[1]shelp`: this help\n" +
			"React to any message with a flag (🇫🇷 🇩🇪 🇮🇹 🇪🇸 🇬🇧) to get it translated."
	case Thinking:
		return "Thinking…"
	case ErrInvalid:
		return "Sorry, I couldn't process that request. Try rephrasing it or making it shorter."
	case ErrAuth:
		return "The model provider refused my API key. Please let an admin know."
	case ErrBudget:
		return "The model provider account has run out of credits. Please let an admin know."
	case ErrModelNotFound:
		return "The model `%[1]s` isn't available. Please let an admin know."
	case ErrRateLimited:
		return "The model provider is busy right now. Try again in a moment."
	case ErrUnavailable:
		return "I can't reach the model right now. Try again in a few minutes."
	case ErrTimeout:
		return "The model took too long to answer. Try again, maybe with a shorter question."
	case ErrInternal:
		return "Something went wrong on my side. Try again, and if it keeps happening, let an admin know."
	case Busy:
		return "I'm handling too many questions at once. Try again shortly."
	case CutOff:
		return "⚠️ _The answer was cut off._ %[1]s"
	case LengthLimit:
		return "⚠️ _The answer reached the maximum length._"
	case FeedbackThanks:
		return "Thanks for your feedback."
	case FeedbackUnknown:
		return "I can no longer record feedback on this answer."
	case FeedbackLine:
		return "Feedback, %[1]s (%[2]s): 👍 %[3]d · 👎 %[4]d"
	case FeedbackReasonLine:
		return "👎 %[1]s: “%[2]s”"
	case Stopped:
		return "⏹️ _Stopped._"
	case StopButton:
		return "Stop"
	case StopNotAllowed:
		return "Only the person who asked (or an admin) can stop this answer."
	case StopOver:
		return "This answer is already finished or stopped."
	case Interrupted:
		return "⚠️ _Reply interrupted because I'm restarting. Ask again in a moment._"
	case MessageTooLong:
		return "⚠️ _This message is too long for the model, whose context window holds %[1]d tokens. Shorten it or split it into several messages; I leave it out of this thread from now on._"
	case ContextTruncated:
		return "⚠️ _The model server cut the start of this conversation to fit its context window of %[1]d tokens: this answer may miss earlier messages._"
	case HistoryTrimmed:
		return "_(This thread is too long for the model, so I only read the most recent part. Messages left out: %[1]d.)_"
	case LimitUserRate:
		return "You've reached your limit of questions per minute (%[1]d). Try again after %[2]s."
	case LimitUserPending:
		return "You already have %[1]d questions waiting for an answer. I'll answer those first; questions you send before they are answered are not answered, so ask again then."
	case LimitChannelTokens:
		return "This channel has used up its daily budget of %[1]d tokens. It resets at %[2]s."
	case LimitDailyUSD:
		return "I've reached today's spending cap. I'll be back at %[1]s."
	case NotAllowedChannel:
		return "Sorry, I'm not enabled in this channel."
	case NotAllowedUser:
		return "Sorry, you're not on the list of people I can answer."
	case ChannelDisabled:
		return "An admin has switched me off in this channel."
	case NotInChannel:
		return "I'm not in this channel yet. Invite me with `/invite @mistralbot` and try again."
	case LangCurrent:
		return "This channel's language: **%[1]s**."
	case LangAuto:
		return "This channel's language is **auto**: I answer in the language you write in."
	case LangSet:
		return "Done: from now on I'll answer in **%[1]s** in this channel."
	case LangSetAuto:
		return "Done: from now on I'll answer in whatever language people write in."
	case LangInvalid:
		return "I don't know the language `%[1]s`. Use a language code or name, for example: %[2]s."
	case NotAdmin:
		return "Only channel admins can change this."
	case PromptCurrent:
		return "This channel's current instructions:\n```\n%[1]s\n```"
	case PromptNone:
		return "This channel has no instructions of its own, so I use the default ones."
	case PromptSet:
		return "Done: the new instructions for this channel are saved."
	case PromptCleared:
		return "Done: this channel's instructions are cleared and I'm back to the default ones."
	case PromptClearedToConfig:
		return "Done: the instructions set with this command are cleared. This channel's instructions from the bot's configuration apply again:\n```\n%[1]s\n```"
	case PromptTooLong:
		return "Those instructions are too long: %[1]d characters at most."
	case UsageReport:
		return "**Your usage**\n" +
			"- Today: requests %[1]d, tokens %[2]d, cost $%.4[3]f\n" +
			"- This month: requests %[4]d, tokens %[5]d, cost $%.4[6]f\n" +
			"**This channel**\n" +
			"- Today: requests %[7]d, tokens %[8]d, cost $%.4[9]f\n" +
			"- This month: requests %[10]d, tokens %[11]d, cost $%.4[12]f"
	case TranslateUsage:
		return "Usage: `%[1]stranslate <language> <text>`, for example `%[1]stranslate fr Good morning, everyone!`"
	case EmptyQuestion:
		return "What's your question? Write it after the command, for example `%[1]sask How do I reverse a list in Python?`"
	case AttachmentTruncated:
		return "_(The file `%[1]s` is long, so I only read its first %[2]d bytes.)_"
	case ExplainCodeTitle:
		return "Explain code"
	case ExplainNoCode:
		return "That message has no code for me to explain."
	case SuggestTitle1:
		return "Explain some code"
	case SuggestPrompt1:
		return "Explain step by step what this code does:"
	case SuggestTitle2:
		return "Review my code"
	case SuggestPrompt2:
		return "Review this code: point out bugs, risks and possible improvements."
	case SuggestTitle3:
		return "Translate a text"
	case SuggestPrompt3:
		return "Translate this text into French:"
	case AssistantGreeting:
		return "Hi! I'm mistralbot. Ask me anything: code, explanations, translations…"
	case StoreDegraded:
		return "_(I couldn't record the usage of this reply, but the answer itself is fine.)_"
	case QuestionPosted:
		return "**%[1]s asked:** %[2]s"
	case DeliveryFailed:
		return "Sorry, I couldn't post my answer here: the platform refused it. Please ask again in a moment."
	case DeliveryArchived:
		return "Sorry, I couldn't post my answer: this conversation was archived."
	case DeliveryFailedIn:
		return "Sorry, I couldn't post my answer to your question in %[1]s: the platform refused it. If I'm not a member there, invite me, then ask again."
	case Loading1:
		return "Reading your question…"
	case Loading2:
		return "Thinking it through…"
	case Loading3:
		return "Checking the details…"
	case Loading4:
		return "Writing the answer…"
	case ThreadTitleFile:
		return "Question about a file"
	case ContextPhrases:
		return "this channel|this conversation"
	case HomeCapabilities:
		return "What I can do"
	case HomeUsage:
		return "Your usage"
	case HomeDefaults:
		return "Channel defaults"
	case HomeSettings:
		return "**Language:** %[1]s\n**Model:** %[2]s\n**System prompt:** %[3]s"
	case HomeViewing:
		return "Settings of %[1]s, the channel you are viewing:"
	case HomeLangAuto:
		return "auto (the language of each question)"
	case HomeModelDefault:
		return "the default model"
	case HomePromptBuiltin:
		return "the built-in one"
	case Undelivered:
		return "I couldn't post my answer in %[1]s: %[2]s"
	case UndeliveredPermission:
		return "I'm missing a permission there (View Channel, Send Messages, Send Messages in Threads, Create Public Threads or Read Message History). Please ask a server admin to grant it to me."
	case UndeliveredDeleted:
		return "the channel or thread was deleted."
	case UndeliveredArchived:
		return "the thread was archived or locked."
	case UndeliveredUnclear:
		return "the platform did not confirm part of it, and I won't risk posting it twice."
	case UndeliveredRefused:
		return "the platform refused it (error %[1]s)."
	case RegenerateButton:
		return "Regenerate"
	case RegenerateNotAllowed:
		return "Only the person who asked (or an admin) can regenerate this answer."
	case RegenerateGone:
		return "This answer can no longer be regenerated."
	case RegenerateBusy:
		return "Only the latest answer of a conversation can be regenerated, once it is finished."
	case ReasonTitle:
		return "What was wrong?"
	case ReasonLabel:
		return "Tell us why (optional)"
	case ReasonPlaceholder:
		return "Wrong, unclear, too long…"
	case ReasonSubmit:
		return "Send"
	case ReasonThanks:
		return "Thanks, your reason is recorded."
	}
	return fileText("en", k)
}
