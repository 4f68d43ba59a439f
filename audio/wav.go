package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The WAV format of clips and of written announcements: RIFF/WAVE, PCM,
// mono, SampleRate Hz, 16-bit signed little endian.
const (
	wavFormatPCM        = 1
	wavFormatExtensible = 0xFFFE
	wavHeaderSize       = 44
)

// decodeWAV reads a mono 16-bit PCM WAV at SampleRate into samples in
// [-1, 1). Any other format is an error that says what it found.
func decodeWAV(data []byte) ([]float32, error) {
	if len(data) < 12 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return nil, errors.New("not a RIFF/WAVE file")
	}
	var (
		haveFmt bool
		pcm     []byte
	)
	for p := 12; p+8 <= len(data); {
		id := string(data[p : p+4])
		size := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		body := data[p+8:]
		if size > len(body) {
			if id != "data" {
				return nil, fmt.Errorf("chunk %q is cut short", id)
			}
			size = len(body) // tolerate a data size a recorder never fixed up
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return nil, errors.New("fmt chunk too short")
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			channels := binary.LittleEndian.Uint16(body[2:4])
			rate := binary.LittleEndian.Uint32(body[4:8])
			bits := binary.LittleEndian.Uint16(body[14:16])
			if format == wavFormatExtensible && size >= 26 {
				format = binary.LittleEndian.Uint16(body[24:26]) // sub-format GUID's first two bytes
			}
			if format != wavFormatPCM {
				return nil, fmt.Errorf("format %d is not PCM: want mono %d Hz 16-bit PCM", format, SampleRate)
			}
			if channels != 1 {
				return nil, fmt.Errorf("%d channels: want mono %d Hz 16-bit PCM", channels, SampleRate)
			}
			if rate != SampleRate {
				return nil, fmt.Errorf("sample rate %d Hz: want mono %d Hz 16-bit PCM", rate, SampleRate)
			}
			if bits != 16 {
				return nil, fmt.Errorf("%d bits per sample: want mono %d Hz 16-bit PCM", bits, SampleRate)
			}
			haveFmt = true
		case "data":
			pcm = body
		}
		p += 8 + size + size%2 // chunks are padded to an even size
	}
	if !haveFmt {
		return nil, errors.New("no fmt chunk")
	}
	if pcm == nil {
		return nil, errors.New("no data chunk")
	}
	s := make([]float32, len(pcm)/2)
	for i := range s {
		s[i] = float32(int16(binary.LittleEndian.Uint16(pcm[2*i:]))) / 32768
	}
	return s, nil
}

// encodeWAV writes samples as a mono 16-bit PCM WAV at SampleRate.
func encodeWAV(w io.Writer, samples []float32) error {
	n := len(samples) * 2
	var b bytes.Buffer
	b.Grow(wavHeaderSize + n)
	b.WriteString("RIFF")
	le32(&b, uint32(36+n))
	b.WriteString("WAVEfmt ")
	le32(&b, 16)
	le16(&b, wavFormatPCM)
	le16(&b, 1)          // channels
	le32(&b, SampleRate) // sample rate
	le32(&b, SampleRate*2)
	le16(&b, 2)  // block align
	le16(&b, 16) // bits per sample
	b.WriteString("data")
	le32(&b, uint32(n))
	for _, x := range samples {
		le16(&b, uint16(toInt16(x)))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func toInt16(x float32) int16 {
	v := math.Round(float64(x) * 32767)
	return int16(max(-32768, min(32767, v)))
}

func le16(b *bytes.Buffer, v uint16) { b.Write([]byte{byte(v), byte(v >> 8)}) }
func le32(b *bytes.Buffer, v uint32) {
	b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
}
