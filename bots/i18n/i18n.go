// Package i18n holds the bot's own texts (help, errors, limits, notices,
// "thinking", suggested prompts) in English, French, German, Italian and
// Spanish, and the language helpers around them: matching a locale to a
// catalog, normalizing what users type as a language, language display
// names and flag emoji. It imports only golang.org/x/text.
//
// Texts are standard Markdown; adapters render them to platform markup.
// Arguments are formatted for the catalog's locale (1 234 in French,
// 1.234 in German).
package i18n

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Key names one text of the catalogs. The comment of each key lists its
// format arguments, in order; every catalog uses them all.
type Key string

// Keys of the catalogs.
const (
	// Help(prefix string): command help; prefix is "/" or e.g. "/mb-".
	Help Key = "help"
	// Thinking is shown while the answer is being prepared.
	Thinking Key = "thinking"

	// ErrInvalid: the provider refused the request as invalid.
	ErrInvalid Key = "err_invalid"
	// ErrAuth: the bot's API key was refused.
	ErrAuth Key = "err_auth"
	// ErrBudget: the LLM account is out of credits.
	ErrBudget Key = "err_budget"
	// ErrModelNotFound(model string): the model does not exist (any more).
	ErrModelNotFound Key = "err_model"
	// ErrRateLimited: the provider is busy.
	ErrRateLimited Key = "err_rate"
	// ErrUnavailable: the provider cannot be reached.
	ErrUnavailable Key = "err_unavailable"
	// ErrTimeout: the model took too long.
	ErrTimeout Key = "err_timeout"
	// ErrInternal: anything else.
	ErrInternal Key = "err_internal"
	// Busy: too many questions at once.
	Busy Key = "busy"

	// CutOff(reason string) is appended after partial text; reason is a
	// full sentence, e.g. T(lang, ErrTimeout).
	CutOff Key = "cut_off"
	// LengthLimit is appended when the answer hit max_tokens.
	LengthLimit Key = "length_limit"
	// Interrupted is appended when a restart stopped the reply.
	Interrupted Key = "interrupted"
	// Stopped is appended when the asker (or an admin) stopped the answer
	// with its Stop button.
	Stopped Key = "stopped"
	// StopButton is the label of the Stop button on an answer being written.
	StopButton Key = "stop_button"
	// StopNotAllowed answers (ephemeral) a Stop click from someone who is
	// neither the asker nor an admin.
	StopNotAllowed Key = "stop_not_allowed"
	// StopOver answers (ephemeral) a Stop click on an answer already
	// finished or already stopped.
	StopOver Key = "stop_over"
	// FeedbackThanks answers (ephemeral) a 👍 / 👎 click.
	FeedbackThanks Key = "feedback_thanks"
	// FeedbackUnknown answers (ephemeral) a vote on an answer this process
	// does not know (before a restart, long ago).
	FeedbackUnknown Key = "feedback_unknown"
	// FeedbackLine is one line of /usage for admins: model, language, 👍
	// and 👎 counts of the channel.
	FeedbackLine Key = "feedback_line"
	// FeedbackReasonLine(model, reason string) is one 👎 reason under the
	// counts of an admin's /usage.
	FeedbackReasonLine Key = "feedback_reason_line"
	// MessageTooLong(limit int): the question alone does not fit the
	// model's context window of limit tokens; it is left out of the
	// thread's later prompts.
	MessageTooLong Key = "message_too_long"
	// ContextTruncated(limit int) is appended when the server cut the
	// prompt to its window of limit tokens (Ollama does, silently).
	ContextTruncated Key = "context_truncated"
	// HistoryTrimmed(n int): n older messages were left out of the context.
	HistoryTrimmed Key = "history_trimmed"

	// LimitUserRate(limit int, reset string): the asker's per-minute
	// limit; reset is a time of day such as "14:05 UTC".
	LimitUserRate Key = "limit_user_rate"
	// LimitUserPending(limit int): the asker already has limit questions
	// waiting or being answered; what they send before those are answered
	// is not answered.
	LimitUserPending Key = "limit_user_pending"
	// LimitChannelTokens(limit int64, reset string): the channel's daily
	// token budget.
	LimitChannelTokens Key = "limit_channel_tokens"
	// LimitDailyUSD(reset string): the bot's daily spending cap.
	LimitDailyUSD Key = "limit_daily_usd"
	// NotAllowedChannel: the channel is not in bot.allowed_channels.
	NotAllowedChannel Key = "not_allowed_channel"
	// NotAllowedUser: the user is not in bot.allowed_users.
	NotAllowedUser Key = "not_allowed_user"
	// ChannelDisabled: the channel's enabled setting is off.
	ChannelDisabled Key = "channel_disabled"
	// NotInChannel: the bot must be invited first.
	NotInChannel Key = "not_in_channel"

	// LangCurrent(name string): the channel's fixed language.
	LangCurrent Key = "lang_current"
	// LangAuto: the channel answers in the asker's language.
	LangAuto Key = "lang_auto"
	// LangSet(name string): the channel language was set.
	LangSet Key = "lang_set"
	// LangSetAuto: the channel language was set to auto.
	LangSetAuto Key = "lang_set_auto"
	// LangInvalid(given, accepted string): an unknown language.
	LangInvalid Key = "lang_invalid"
	// NotAdmin: the command needs channel-admin rights.
	NotAdmin Key = "not_admin"

	// PromptCurrent(prompt string): the channel's system prompt.
	PromptCurrent Key = "prompt_current"
	// PromptNone: the channel uses the default system prompt.
	PromptNone Key = "prompt_none"
	// PromptSet: the channel system prompt was saved.
	PromptSet Key = "prompt_set"
	// PromptCleared: the channel system prompt was removed.
	PromptCleared Key = "prompt_cleared"
	// PromptClearedToConfig(prompt string): the prompt set with /prompt was
	// removed, and the one the configuration gives the channel applies.
	PromptClearedToConfig Key = "prompt_cleared_to_config"
	// PromptTooLong(limit int): the prompt exceeds limit characters.
	PromptTooLong Key = "prompt_too_long"

	// UsageReport(userDayReq, userDayTok int64, userDayUSD float64,
	// userMonthReq, userMonthTok int64, userMonthUSD float64, chDayReq,
	// chDayTok int64, chDayUSD float64, chMonthReq, chMonthTok int64,
	// chMonthUSD float64).
	UsageReport Key = "usage_report"

	// TranslateUsage(prefix string): how to use /translate.
	TranslateUsage Key = "translate_usage"
	// EmptyQuestion(prefix string): a command came without a question.
	EmptyQuestion Key = "empty_question"
	// AttachmentTruncated(name string, limit int): a file was cut to
	// limit bytes.
	AttachmentTruncated Key = "attachment_truncated"
	// ExplainCodeTitle names the "Explain code" message action.
	ExplainCodeTitle Key = "explain_code_title"
	// ExplainNoCode: the message has no code to explain.
	ExplainNoCode Key = "explain_no_code"

	// SuggestTitle1..3 and SuggestPrompt1..3 are the Slack assistant's
	// suggested prompts.
	SuggestTitle1  Key = "suggest_title_1"
	SuggestPrompt1 Key = "suggest_prompt_1"
	SuggestTitle2  Key = "suggest_title_2"
	SuggestPrompt2 Key = "suggest_prompt_2"
	SuggestTitle3  Key = "suggest_title_3"
	SuggestPrompt3 Key = "suggest_prompt_3"
	// AssistantGreeting opens a Slack assistant thread.
	AssistantGreeting Key = "assistant_greeting"
	// StoreDegraded: usage could not be recorded; the answer is fine.
	StoreDegraded Key = "store_degraded"
	// QuestionPosted(user, question string) starts the thread of a slash
	// command.
	QuestionPosted Key = "question_posted"
	// DeliveryFailed: the platform refused the answer where it was asked
	// (shown to the asker alone, in that conversation).
	DeliveryFailed Key = "delivery_failed"
	// DeliveryArchived: the conversation was archived under the answer.
	DeliveryArchived Key = "delivery_archived"
	// DeliveryFailedIn(place string): the answer could not be posted in
	// place (a channel mention), told elsewhere (a DM).
	DeliveryFailedIn Key = "delivery_failed_in"

	// Loading1..Loading4 rotate in Slack's loading indicator
	// (assistant.threads.setStatus loading_messages) while the model
	// thinks. No commas: slack-go joins the list with commas.
	Loading1 Key = "loading_1"
	Loading2 Key = "loading_2"
	Loading3 Key = "loading_3"
	Loading4 Key = "loading_4"
	// ThreadTitleFile titles an agent thread whose first question is only
	// a file.
	ThreadTitleFile Key = "thread_title_file"
	// ContextPhrases lists, separated by "|", lower-case phrases by which
	// a user means the channel being viewed ("this channel").
	ContextPhrases Key = "context_phrases"
	// HomeCapabilities, HomeUsage and HomeDefaults head the sections of
	// the Slack Home tab (plain text).
	HomeCapabilities Key = "home_capabilities"
	HomeUsage        Key = "home_usage"
	HomeDefaults     Key = "home_defaults"
	// HomeSettings(language, model, prompt string) shows effective
	// channel settings on the Home tab.
	HomeSettings Key = "home_settings"
	// HomeViewing(channel string) introduces the settings of the channel
	// the user is viewing.
	HomeViewing Key = "home_viewing"
	// HomeLangAuto, HomeModelDefault and HomePromptBuiltin name the
	// default values in HomeSettings.
	HomeLangAuto      Key = "home_lang_auto"
	HomeModelDefault  Key = "home_model_default"
	HomePromptBuiltin Key = "home_prompt_builtin"

	// Undelivered(where, why string) tells the asker their answer could
	// not be posted; where is the channel (a platform mention such as
	// "<#123>"), why one of the Undelivered* sentences.
	Undelivered Key = "undelivered"
	// UndeliveredPermission: the bot lacks a permission where it answers.
	UndeliveredPermission Key = "undelivered_permission"
	// UndeliveredDeleted: the channel or thread was deleted.
	UndeliveredDeleted Key = "undelivered_deleted"
	// UndeliveredArchived: the thread was archived or locked.
	UndeliveredArchived Key = "undelivered_archived"
	// UndeliveredUnclear: the platform did not confirm a part, which is
	// not posted again.
	UndeliveredUnclear Key = "undelivered_unclear"
	// UndeliveredRefused(code string): the platform refused it with an
	// error code (as digits, not a localized number).
	UndeliveredRefused Key = "undelivered_refused"

	// RegenerateButton is the label of the Regenerate button on a
	// finished answer.
	RegenerateButton Key = "regenerate_button"
	// RegenerateNotAllowed answers (ephemeral) a Regenerate click from
	// someone who is neither the asker nor an admin.
	RegenerateNotAllowed Key = "regenerate_not_allowed"
	// RegenerateGone answers (ephemeral) a Regenerate click on an answer
	// this process no longer knows (already regenerated, before a
	// restart, long ago, deleted).
	RegenerateGone Key = "regenerate_gone"
	// RegenerateBusy answers (ephemeral) a Regenerate click while a
	// newer question of the conversation is waiting or answered: only
	// the latest answer is regenerated.
	RegenerateBusy Key = "regenerate_busy"
	// ReasonTitle is the title of the 👎 reason form (at most 24
	// characters: Slack's modal title limit).
	ReasonTitle Key = "reason_title"
	// ReasonLabel is the label of its text field (at most 45 characters:
	// Discord's text input label limit).
	ReasonLabel Key = "reason_label"
	// ReasonPlaceholder is the text field's placeholder.
	ReasonPlaceholder Key = "reason_placeholder"
	// ReasonSubmit is the form's submit button (Slack).
	ReasonSubmit Key = "reason_submit"
	// ReasonThanks answers a submitted reason.
	ReasonThanks Key = "reason_thanks"
)

// Keys of summaries and digests (issue 17; texts in summary.go).
const (
	// SummaryUsage(prefix, arg string): /summarize's arguments were not
	// understood; arg is the word that was not.
	SummaryUsage Key = "summary_usage"
	// SummaryUnavailable: this place cannot be summarized.
	SummaryUnavailable Key = "summary_unavailable"
	// SummaryEmpty: no message to summarize in the span.
	SummaryEmpty Key = "summary_empty"
	// SummaryWorking(messages, calls, tokens int, usd string): progress.
	SummaryWorking Key = "summary_working"
	// SummaryConfirm(messages, calls, tokens int, usd string): asks to
	// confirm a costly summary.
	SummaryConfirm Key = "summary_confirm"
	// SummaryConfirmButton is the label of the confirm button.
	SummaryConfirmButton Key = "summary_confirm_button"
	// SummaryExpired: the confirmation is too old or unknown.
	SummaryExpired Key = "summary_expired"
	// SummaryNotYours: someone else clicked the confirm button.
	SummaryNotYours Key = "summary_not_yours"
	// SummaryHeader(messages int): the summary's first line.
	SummaryHeader Key = "summary_header"
	// SummaryPartial(messages int): only part of the span was read (the
	// message limit, or the platform's read limits).
	SummaryPartial Key = "summary_partial"
	// SummaryFailed(reason string): the summary could not be finished.
	SummaryFailed Key = "summary_failed"
	// DigestSet(time, zone string): a daily digest was scheduled.
	DigestSet Key = "digest_set"
	// DigestOff: the digest was turned off.
	DigestOff Key = "digest_off"
	// DigestNone: no digest is scheduled in this channel.
	DigestNone Key = "digest_none"
	// DigestUsage(prefix string): /digest's arguments were not understood.
	DigestUsage Key = "digest_usage"
	// DigestHeader(date string): the digest's first line.
	DigestHeader Key = "digest_header"
)

// Keys returns every key, in declaration order.
func Keys() []Key {
	return append([]Key{
		Help, Thinking,
		ErrInvalid, ErrAuth, ErrBudget, ErrModelNotFound, ErrRateLimited, ErrUnavailable,
		ErrTimeout, ErrInternal, Busy,
		CutOff, LengthLimit, Interrupted, Stopped, StopButton, StopNotAllowed, StopOver, FeedbackThanks, FeedbackUnknown, FeedbackLine, FeedbackReasonLine,
		HistoryTrimmed, MessageTooLong, ContextTruncated,
		LimitUserRate, LimitUserPending, LimitChannelTokens, LimitDailyUSD,
		NotAllowedChannel, NotAllowedUser, ChannelDisabled, NotInChannel,
		LangCurrent, LangAuto, LangSet, LangSetAuto, LangInvalid, NotAdmin,
		PromptCurrent, PromptNone, PromptSet, PromptCleared, PromptClearedToConfig, PromptTooLong,
		UsageReport, TranslateUsage, EmptyQuestion, AttachmentTruncated,
		ExplainCodeTitle, ExplainNoCode,
		SuggestTitle1, SuggestPrompt1, SuggestTitle2, SuggestPrompt2, SuggestTitle3, SuggestPrompt3,
		AssistantGreeting, StoreDegraded, QuestionPosted,
		DeliveryFailed, DeliveryArchived, DeliveryFailedIn,
		Loading1, Loading2, Loading3, Loading4, ThreadTitleFile, ContextPhrases,
		HomeCapabilities, HomeUsage, HomeDefaults, HomeSettings, HomeViewing,
		HomeLangAuto, HomeModelDefault, HomePromptBuiltin,
		Undelivered, UndeliveredPermission, UndeliveredDeleted, UndeliveredArchived, UndeliveredUnclear,
		UndeliveredRefused,
		FileTooBig, FileUnsupported, FileUnreadable, ImagesNotRead, TooManyImages,
		SummaryUsage, SummaryUnavailable, SummaryEmpty, SummaryWorking, SummaryConfirm, SummaryConfirmButton,
		SummaryExpired, SummaryNotYours, SummaryHeader, SummaryPartial, SummaryFailed,
		DigestSet, DigestOff, DigestNone, DigestUsage, DigestHeader,
		RegenerateButton, RegenerateNotAllowed, RegenerateGone, RegenerateBusy,
		ReasonTitle, ReasonLabel, ReasonPlaceholder, ReasonSubmit, ReasonThanks,
	}, toolKeys()...)
}

// Supported returns the catalog languages, English (the fallback) first.
func Supported() []string { return []string{"en", "fr", "de", "it", "es"} }

// catalogMatcher is built once; a language.Matcher is immutable and safe
// for concurrent use.
var catalogMatcher = sync.OnceValue(func() language.Matcher {
	tags := make([]language.Tag, 0, 5)
	for _, code := range Supported() {
		tags = append(tags, language.MustParse(code))
	}
	return language.NewMatcher(tags)
})

// Match returns the best catalog for BCP-47 preferences, most preferred
// first ("fr-CA" gives "fr", "gsw" "de"). "auto", "" and unparsable
// entries are skipped; with nothing usable, or no close catalog ("pt"),
// it returns "en".
func Match(prefs ...string) string {
	tags := make([]language.Tag, 0, len(prefs))
	for _, p := range prefs {
		if p == "" || strings.EqualFold(p, Auto) {
			continue
		}
		if t, err := language.Parse(p); err == nil {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 {
		return "en"
	}
	_, i, conf := catalogMatcher().Match(tags...)
	if conf == language.No {
		return "en"
	}
	return Supported()[i]
}

// text returns the catalog text of key in a supported language, "" when
// missing.
func text(lang string, key Key) string {
	if s := fileText(lang, key); s != "" {
		return s
	}
	switch lang {
	case "fr":
		return textFR(key)
	case "de":
		return textDE(key)
	case "it":
		return textIT(key)
	case "es":
		return textES(key)
	}
	return textEN(key)
}

// T renders key in the catalog that best matches lang (see Match), with
// args formatted for that locale. A text missing from the catalog falls
// back to English; an unknown key renders as the key itself.
func T(lang string, key Key, args ...any) string {
	l := Match(lang)
	s := text(l, key)
	if s == "" {
		l, s = "en", textEN(key)
	}
	if s == "" {
		return string(key)
	}
	return message.NewPrinter(language.MustParse(l)).Sprintf(s, args...)
}
