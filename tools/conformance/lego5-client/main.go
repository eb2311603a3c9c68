// lego5-client drives lego v5's ACME library (github.com/go-acme/lego/v5: the code behind the
// lego command) through one certificate's life against an ACME server, and prints what happened
// as one JSON line: register (with EAB when given), obtain with one challenge type, renew with
// ARI (the new order names the old certificate in `replaces`, RFC 9773 §5), revoke.
//
// It exists because the lego v5 command cannot be built from the Go module proxy here (many of
// its DNS providers' SDKs are not served); the library packages it runs are the command's own.
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"
	"github.com/go-acme/lego/v5/certcrypto"
	"github.com/go-acme/lego/v5/certificate"
	"github.com/go-acme/lego/v5/challenge/dns01"
	"github.com/go-acme/lego/v5/challenge/http01"
	"github.com/go-acme/lego/v5/challenge/tlsalpn01"
	"github.com/go-acme/lego/v5/lego"
	"github.com/go-acme/lego/v5/registration"
)

type user struct {
	email string
	reg   *acme.ExtendedAccount
	key   crypto.Signer
}

func (u *user) GetEmail() string                       { return u.email }
func (u *user) GetRegistration() *acme.ExtendedAccount { return u.reg }
func (u *user) GetPrivateKey() crypto.Signer           { return u.key }

// txtProvider publishes dns-01 records on a challenge test server's management API
// (Pebble's challtestsrv paths: /set-txt, /clear-txt).
type txtProvider struct{ api string }

func (p txtProvider) post(path string, body map[string]string) error {
	b, _ := json.Marshal(body)
	r, err := http.Post(p.api+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", path, r.StatusCode)
	}
	return nil
}

func record(domain, keyAuth string) (string, string) {
	sum := sha256.Sum256([]byte(keyAuth))
	return "_acme-challenge." + strings.TrimPrefix(domain, "*.") + ".", base64.RawURLEncoding.EncodeToString(sum[:])
}

func (p txtProvider) Present(_ context.Context, domain, _, keyAuth string) error {
	host, value := record(domain, keyAuth)
	return p.post("/set-txt", map[string]string{"host": host, "value": value})
}

func (p txtProvider) CleanUp(_ context.Context, domain, _, keyAuth string) error {
	host, _ := record(domain, keyAuth)
	return p.post("/clear-txt", map[string]string{"host": host})
}

func (p txtProvider) Timeout() (time.Duration, time.Duration) {
	return 10 * time.Second, 100 * time.Millisecond
}

type result struct {
	Account         string `json:"account"`
	Serial          string `json:"serial"`
	ARICertID       string `json:"ari_cert_id"`
	RenewedSerial   string `json:"renewed_serial,omitempty"`
	SuggestedStart  string `json:"suggested_start,omitempty"`
	SuggestedEnd    string `json:"suggested_end,omitempty"`
	Revoked         bool   `json:"revoked"`
	CertificatePath string `json:"certificate_path"`
}

func serialOf(pemBundle []byte) (*x509.Certificate, string) {
	certs, err := certcrypto.ParsePEMBundle(pemBundle)
	must(err, "parse certificate")
	return certs[0], fmt.Sprintf("%x", certs[0].SerialNumber)
}

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "lego5-client: %s: %v\n", what, err)
		os.Exit(1)
	}
}

func main() {
	server := flag.String("server", "", "ACME directory URL")
	caFile := flag.String("ca", "", "PEM file of the CA that signed the server's HTTPS certificate")
	email := flag.String("email", "conformance@example.com", "account contact")
	domains := flag.String("domains", "", "comma-separated names")
	chal := flag.String("challenge", "http-01", "http-01, tls-alpn-01 or dns-01")
	port := flag.String("port", "", "port of the http-01 or tls-alpn-01 responder")
	dnsAPI := flag.String("dns-api", "", "challenge test server management URL (dns-01)")
	eabKid := flag.String("eab-kid", "", "external account binding key id")
	eabHmac := flag.String("eab-hmac", "", "external account binding HMAC key (base64url)")
	renew := flag.Bool("renew", false, "renew with ARI after obtaining")
	revoke := flag.Bool("revoke", false, "revoke the last certificate")
	out := flag.String("out", "", "file to write the last certificate (PEM bundle) to")
	flag.Parse()

	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err, "account key")
	u := &user{email: *email, key: key}
	cfg := lego.NewConfig(u)
	cfg.CADirURL = *server
	cfg.UserAgent = "certctl-conformance-lego5"
	if *caFile != "" {
		pool, err := lego.CreateCertPool([]string{*caFile}, false)
		must(err, "CA file")
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	client, err := lego.NewClient(cfg)
	must(err, "client")

	switch *chal {
	case "http-01":
		must(client.Challenge.SetHTTP01Provider(http01.NewProviderServer("127.0.0.1", *port)), "http-01 provider")
	case "tls-alpn-01":
		must(client.Challenge.SetTLSALPN01Provider(tlsalpn01.NewProviderServer("127.0.0.1", *port)), "tls-alpn-01 provider")
	case "dns-01":
		must(client.Challenge.SetDNS01Provider(txtProvider{api: *dnsAPI}, dns01.PropagationWait(0, true)), "dns-01 provider")
	default:
		must(fmt.Errorf("unknown challenge %q", *chal), "flags")
	}

	if *eabKid != "" {
		u.reg, err = client.Registration.RegisterWithExternalAccountBinding(ctx, registration.RegisterEABOptions{
			TermsOfServiceAgreed: true, Kid: *eabKid, HmacEncoded: *eabHmac,
		})
	} else {
		u.reg, err = client.Registration.Register(ctx, registration.RegisterOptions{TermsOfServiceAgreed: true})
	}
	must(err, "register")
	res := result{Account: u.reg.Location}

	cert, err := client.Certificate.Obtain(ctx, certificate.ObtainRequest{
		Domains: strings.Split(*domains, ","), KeyType: certcrypto.EC256, Bundle: true,
	})
	must(err, "obtain")
	leaf, serial := serialOf(cert.Certificate)
	res.Serial = serial
	res.ARICertID, err = api.MakeARICertID(leaf)
	must(err, "ARI certificate id")

	if *renew {
		info, err := client.Certificate.GetRenewalInfo(ctx, leaf)
		must(err, "renewalInfo")
		res.SuggestedStart = info.SuggestedWindow.Start.UTC().Format(time.RFC3339)
		res.SuggestedEnd = info.SuggestedWindow.End.UTC().Format(time.RFC3339)
		cert, err = client.Certificate.Renew(ctx, *cert, &certificate.RenewOptions{KeyType: certcrypto.EC256, Bundle: true, UseARICertID: true})
		must(err, "renew")
		_, res.RenewedSerial = serialOf(cert.Certificate)
	}
	if *revoke {
		reason := uint(acme.CRLReasonKeyCompromise)
		must(client.Certificate.RevokeWithReason(ctx, cert.Certificate, &reason), "revoke")
		res.Revoked = true
	}
	if *out != "" {
		must(os.WriteFile(*out, cert.Certificate, 0o600), "write certificate")
		res.CertificatePath = *out
	}
	line, _ := json.Marshal(res)
	fmt.Println(string(line))
}
