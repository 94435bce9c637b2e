package winpipe

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/Microsoft/go-winio"
)

// Ask sends r to the service listening on pipe and returns its answer; ctx
// bounds the whole exchange. roamfsnp.dll does the same in C; this one is
// for tests and tools.
func Ask(ctx context.Context, pipe string, r Request) (Answer, error) {
	req, err := EncodeRequest(r)
	if err != nil {
		return Answer{}, err
	}
	c, err := winio.DialPipeContext(ctx, pipe)
	if err != nil {
		return Answer{}, fmt.Errorf("connect to %s: %w", pipe, err)
	}
	defer c.Close()
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(req); err != nil {
		return Answer{}, fmt.Errorf("send to %s: %w", pipe, err)
	}
	line, err := bufio.NewReaderSize(io.LimitReader(c, MaxLine+1), MaxLine+1).ReadSlice('\n')
	if err != nil {
		return Answer{}, fmt.Errorf("answer from %s: %w", pipe, err)
	}
	return DecodeAnswer(line)
}
