package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/go-logr/logr"
)

// logLevels are the operator's log levels. debug shows what logr calls
// V(1) to V(4): each status write, each warm take, each reload check.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// newLogger makes the structured logger of a long-running command: slog's
// text (key=value) or JSON handler at the given level.
func newLogger(w io.Writer, level, format string) (logr.Logger, error) {
	l, ok := logLevels[level]
	if !ok {
		return logr.Logger{}, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	var h slog.Handler
	switch strings.ToLower(format) {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return logr.Logger{}, fmt.Errorf("--log-format %q: use text or json", format)
	}
	return logr.FromSlogHandler(debugLevels{h}), nil
}

// debugLevels prints logr's V(1) to V(4), which slog sees as levels -1 to
// -4 ("DEBUG+3" ... "DEBUG"), as plain DEBUG.
type debugLevels struct{ slog.Handler }

func (d debugLevels) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		r.Level = slog.LevelDebug
	}
	return d.Handler.Handle(ctx, r)
}

func (d debugLevels) WithAttrs(as []slog.Attr) slog.Handler {
	return debugLevels{d.Handler.WithAttrs(as)}
}

func (d debugLevels) WithGroup(name string) slog.Handler {
	return debugLevels{d.Handler.WithGroup(name)}
}
