package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPOptions configure an SMTPServer.
type SMTPOptions struct {
	// Username and Password are what AUTH PLAIN accepts; when Username is
	// set, MAIL needs a login first.
	Username, Password string
	NoStartTLS         bool // do not offer STARTTLS
}

// Mail is a message an SMTPServer received, parsed with net/mail. Its
// line ends are "\n".
type Mail struct {
	From        string   // MAIL FROM
	To          []string // RCPT TO
	TLS         bool     // it came over STARTTLS
	User        string   // who logged in; "" for no one
	Raw         []byte   // the message as received
	Header      mail.Header
	Subject     string // decoded
	Text        string // the text/plain body, decoded; it ends with a line break, as SMTP makes it
	Attachments []MailAttachment
}

// MailAttachment is an attachment of a Mail, decoded.
type MailAttachment struct {
	Name        string // from Content-Disposition's filename
	ContentType string
	Data        []byte
}

// SMTPServer is an SMTP server on 127.0.0.1 for tests. It speaks EHLO,
// STARTTLS (with a self-signed certificate made at start), AUTH PLAIN,
// MAIL, RCPT, DATA, RSET, NOOP and QUIT, and keeps what it receives.
type SMTPServer struct {
	Host string // "127.0.0.1"
	Port int
	Cert *x509.Certificate // the server's self-signed certificate
	CAs  *x509.CertPool    // holds Cert: a client's tls.Config.RootCAs

	opts SMTPOptions
	tls  *tls.Config
	ln   net.Listener
	wg   sync.WaitGroup
	fail failures

	mu    sync.Mutex
	mails []Mail
	conns map[net.Conn]bool
}

// NewSMTPServer starts an SMTP server and stops it when the test ends.
func NewSMTPServer(t testing.TB, o SMTPOptions) *SMTPServer {
	t.Helper()
	cert, key, err := selfSigned()
	if err != nil {
		t.Fatalf("notifytest: certificate: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("notifytest: listen: %v", err)
	}
	s := &SMTPServer{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Cert: cert, CAs: x509.NewCertPool(),
		opts: o, ln: ln, conns: map[net.Conn]bool{}}
	s.CAs.AddCert(cert)
	s.tls = &tls.Config{MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// ClientTLS returns a client configuration that trusts the server.
func (s *SMTPServer) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.CAs, MinVersion: tls.VersionTLS12}
}

// FailNext makes the next n RCPT commands answer code and text: 451 for
// a temporary failure, 550 for a refused recipient.
func (s *SMTPServer) FailNext(n, code int, text string) { s.fail.add(n, code, text) }

// Mails returns what the server received, oldest first.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Close stops the server and ends its connections.
func (s *SMTPServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *SMTPServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// session is the state of one connection.
type session struct {
	tls      bool
	user     string
	from     string
	to       []string
	mailFrom bool
}

func (s *SMTPServer) serve(conn net.Conn) {
	conn.SetDeadline(time.Now().Add(time.Minute))
	tp := textproto.NewConn(conn)
	var st session
	reply := func(format string, args ...any) { tp.PrintfLine(format, args...) }
	reply("220 notifytest ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			st = session{tls: st.tls, user: st.user}
			ext := []string{"notifytest", "8BITMIME"}
			if !st.tls && !s.opts.NoStartTLS {
				ext = append(ext, "STARTTLS")
			} else {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if st.tls || s.opts.NoStartTLS {
				reply("503 5.5.1 TLS not available")
				continue
			}
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(conn, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, st = tc, textproto.NewConn(tc), session{tls: true}
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 Unrecognized authentication type")
				continue
			}
			if resp == "" {
				reply("334 ")
				if resp, err = tp.ReadLine(); err != nil {
					return
				}
			}
			dec, _ := base64.StdEncoding.DecodeString(resp)
			f := strings.Split(string(dec), "\x00")
			if s.opts.Username == "" || len(f) != 3 || f[1] != s.opts.Username || f[2] != s.opts.Password {
				reply("535 5.7.8 Authentication credentials invalid")
				continue
			}
			st.user = f[1]
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			if s.opts.Username != "" && st.user == "" {
				reply("530 5.7.0 Authentication required")
				continue
			}
			st.from, st.to, st.mailFrom = path(arg), nil, true
			reply("250 2.1.0 OK")
		case "RCPT":
			if !st.mailFrom {
				reply("503 5.5.1 MAIL first")
				continue
			}
			if f, ok := s.fail.next(); ok {
				reply("%d %s", f.status, f.body)
				continue
			}
			st.to = append(st.to, path(arg))
			reply("250 2.1.5 OK")
		case "DATA":
			if len(st.to) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 End data with <CR><LF>.<CR><LF>")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m := Mail{From: st.from, To: st.to, TLS: st.tls, User: st.user, Raw: raw}
			if err := m.parse(); err != nil {
				reply("554 5.6.0 %v", err)
				continue
			}
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			st.from, st.to, st.mailFrom = "", nil, false
			reply("250 2.0.0 OK queued")
		case "RSET":
			st.from, st.to, st.mailFrom = "", nil, false
			reply("250 2.0.0 OK")
		case "NOOP":
			reply("250 2.0.0 OK")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 Command not recognized")
		}
	}
}

// path returns the address in "FROM:<a@b.pl> BODY=8BITMIME".
func path(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// parse fills m's header, subject, text and attachments from m.Raw.
func (m *Mail) parse() error {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return err
	}
	m.Header = msg.Header
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("content type: %w", err)
	}
	if !strings.HasPrefix(typ, "multipart/") {
		text, err := io.ReadAll(decode(msg.Body, msg.Header.Get("Content-Transfer-Encoding")))
		m.Text = strings.ReplaceAll(string(text), "\r\n", "\n")
		return err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes quoted-printable itself
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(decode(p, p.Header.Get("Content-Transfer-Encoding")))
		if err != nil {
			return err
		}
		disp, dparams, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		ptype, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case disp == "attachment":
			m.Attachments = append(m.Attachments, MailAttachment{Name: dparams["filename"],
				ContentType: p.Header.Get("Content-Type"), Data: data})
		case ptype == "text/plain" && m.Text == "":
			m.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
		}
	}
}

func decode(r io.Reader, cte string) io.Reader {
	switch strings.ToLower(cte) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost, valid
// for a day.
func selfSigned() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "notifytest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}
