// Package slogor is a stand-in for gitlab.com/greyxor/slogor (lego v5's default log handler),
// which the Go module proxy does not serve here. It keeps the API lego's cmd/logger.go calls and
// writes through log/slog's TextHandler: same levels and time format, no colours.
package slogor

import (
	"io"
	"log/slog"
	"time"
)

type options struct {
	level      slog.Leveler
	timeFormat string
}

// OptionFn configures the handler.
type OptionFn func(*options)

// SetLevel sets the minimum level written.
func SetLevel(level slog.Leveler) OptionFn { return func(o *options) { o.level = level } }

// SetTimeFormat sets the layout of the time attribute.
func SetTimeFormat(layout string) OptionFn { return func(o *options) { o.timeFormat = layout } }

// DisableColor is accepted for compatibility: this handler never writes colours.
func DisableColor() OptionFn { return func(*options) {} }

// NewHandler returns a text handler writing to out.
func NewHandler(out io.Writer, opts ...OptionFn) slog.Handler {
	cfg := options{level: slog.LevelInfo, timeFormat: time.RFC3339}
	for _, opt := range opts {
		opt(&cfg)
	}
	return slog.NewTextHandler(out, &slog.HandlerOptions{
		Level: cfg.level,
		ReplaceAttr: func(groups []string, attr slog.Attr) slog.Attr {
			if len(groups) == 0 && attr.Key == slog.TimeKey && attr.Value.Kind() == slog.KindTime {
				return slog.String(slog.TimeKey, attr.Value.Time().Format(cfg.timeFormat))
			}
			return attr
		},
	})
}
