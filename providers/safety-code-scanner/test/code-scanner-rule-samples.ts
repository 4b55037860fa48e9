import type { Language } from '../src/index.js';

export interface RuleSample {
  language: Language;
  code: string;
}

/** For each rule: code it must flag, and close-but-safe code it must not. Every rule needs at least one of each. */
export const RULE_SAMPLES: Record<string, { positive: RuleSample[]; negative: RuleSample[] }> = {
  'python.eval-input': {
    positive: [{ language: 'python', code: 'expr = input("> ")\nresult = eval(expr)\n' }, { language: 'python', code: 'exec(f"x = {payload}")' }],
    negative: [{ language: 'python', code: 'result = eval("1 + 1")\n# eval(user_input)\nprint("never eval(input())")\nmodel.eval()\n' }],
  },
  'javascript.eval-input': {
    positive: [{ language: 'javascript', code: 'const value = eval(req.query.expr);' }, { language: 'typescript', code: 'const fn = new Function("a", body);' }],
    negative: [{ language: 'javascript', code: 'const two = eval("1 + 1");\n// eval(req.query.expr)\nconst text = "eval(x)";\nconst matched = pattern.eval(x);' }],
  },
  'java.script-engine-eval': {
    positive: [{ language: 'java', code: 'ScriptEngine engine = manager.getEngineByName("js");\nObject result = engine.eval(request.getParameter("script"));' }],
    negative: [{ language: 'java', code: 'ScriptEngine engine = manager.getEngineByName("js");\nObject result = engine.eval("1 + 1");' }],
  },
  'python.os-system-injection': {
    positive: [{ language: 'python', code: 'import os\nos.system("ping -c 1 " + host)' }, { language: 'python', code: 'out = os.popen(f"ls {path}").read()' }],
    negative: [{ language: 'python', code: 'import os\nos.system("clear")\n# os.system("rm " + path)' }],
  },
  'python.subprocess-shell-true': {
    positive: [{ language: 'python', code: 'subprocess.run(\n    "tar -xf " + archive,\n    shell=True,\n    check=True,\n)' }],
    negative: [
      { language: 'python', code: 'subprocess.run(["tar", "-xf", archive], check=True)\nsubprocess.run("make clean", shell=True)' },
    ],
  },
  'javascript.child-process-exec-injection': {
    positive: [
      { language: 'javascript', code: "const { exec } = require('child_process');\nexec(`git clone ${repoUrl}`, callback);" },
      { language: 'typescript', code: "import child_process from 'node:child_process';\nchild_process.execSync('convert ' + file + ' out.png');" },
    ],
    negative: [{ language: 'javascript', code: "const { execFile } = require('child_process');\nexecFile('git', ['clone', repoUrl]);\nconst found = /a+/.exec(text);\nexec('ls -la');" }],
  },
  'java.runtime-exec-injection': {
    positive: [{ language: 'java', code: 'Process process = Runtime.getRuntime().exec("ping " + host);' }],
    negative: [{ language: 'java', code: 'Process process = Runtime.getRuntime().exec(new String[] {"ping", "-c", "1", host});' }],
  },
  'go.exec-command-shell': {
    positive: [{ language: 'go', code: 'cmd := exec.Command("sh", "-c", "ls "+dir)\nout, err := cmd.Output()' }],
    negative: [{ language: 'go', code: 'cmd := exec.Command("ls", "-l", dir)\nother := exec.Command("sh", "-c", "uptime")' }],
  },
  'c.system-injection': {
    positive: [{ language: 'c', code: 'char command[256];\nsnprintf(command, sizeof command, "ping %s", host);\nsystem(command);' }],
    negative: [{ language: 'c', code: 'system("clear");\n/* system(command); */\nint file_system(void);' }],
  },
  'python.sql-string-building': {
    positive: [
      { language: 'python', code: 'cursor.execute("SELECT * FROM users WHERE name = \'" + name + "\'")' },
      { language: 'python', code: 'query = "DELETE FROM sessions WHERE id = %s" % session_id' },
      { language: 'python', code: 'cursor.execute(f"UPDATE accounts SET balance = {amount} WHERE id = {uid}")' },
    ],
    negative: [{ language: 'python', code: 'cursor.execute("SELECT * FROM users WHERE name = %s", (name,))\nmessage = "Please update your profile " + name' }],
  },
  'javascript.sql-string-building': {
    positive: [
      { language: 'javascript', code: 'db.query(`SELECT * FROM users WHERE id = ${req.params.id}`);' },
      { language: 'typescript', code: 'const sql: string = "INSERT INTO logs VALUES (\'" + line + "\')";' },
    ],
    negative: [{ language: 'javascript', code: "db.query('SELECT * FROM users WHERE id = ?', [req.params.id]);\nconst sql = `SELECT * FROM users`;" }],
  },
  'java.sql-string-building': {
    positive: [
      { language: 'java', code: 'ResultSet rows = statement.executeQuery("SELECT * FROM users WHERE id = " + id);' },
      { language: 'java', code: 'String sql = String.format("DELETE FROM users WHERE name = \'%s\'", name);' },
    ],
    negative: [{ language: 'java', code: 'PreparedStatement statement = connection.prepareStatement("SELECT * FROM users WHERE id = ?");\nstatement.setInt(1, id);' }],
  },
  'go.sql-string-building': {
    positive: [
      { language: 'go', code: 'rows, err := db.Query("SELECT name FROM users WHERE id = " + id)' },
      { language: 'go', code: 'query := fmt.Sprintf("SELECT name FROM users WHERE id = %s", id)' },
    ],
    negative: [{ language: 'go', code: 'rows, err := db.Query("SELECT name FROM users WHERE id = $1", id)' }],
  },
  'c.sql-string-building': {
    positive: [{ language: 'c', code: 'char sql[512];\nsprintf(sql, "SELECT * FROM users WHERE name = \'%s\'", name);\nsqlite3_exec(db, sql, 0, 0, 0);' }],
    negative: [{ language: 'c', code: 'sqlite3_prepare_v2(db, "SELECT * FROM users WHERE name = ?", -1, &stmt, NULL);\nsqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);' }],
  },
  'python.weak-hash': {
    positive: [{ language: 'python', code: 'digest = hashlib.md5(password.encode()).hexdigest()' }, { language: 'python', code: 'h = hashlib.new("sha1", data)' }],
    negative: [{ language: 'python', code: 'digest = hashlib.sha256(password.encode()).hexdigest()\netag = hashlib.md5(body, usedforsecurity=False).hexdigest()' }],
  },
  'python.weak-cipher': {
    positive: [{ language: 'python', code: 'from Crypto.Cipher import DES\ncipher = DES.new(key, DES.MODE_ECB)' }, { language: 'python', code: 'cipher = AES.new(key, AES.MODE_ECB)' }],
    negative: [{ language: 'python', code: 'cipher = AES.new(key, AES.MODE_GCM)\nDESCRIPTION = "no DES here"' }],
  },
  'javascript.weak-hash': {
    positive: [{ language: 'javascript', code: "const hash = crypto.createHash('md5').update(password).digest('hex');" }],
    negative: [{ language: 'javascript', code: "const hash = crypto.createHash('sha256').update(password).digest('hex');" }],
  },
  'javascript.weak-cipher': {
    positive: [{ language: 'typescript', code: "const cipher = crypto.createCipheriv('des-ede3-cbc', key, iv);" }, { language: 'javascript', code: "crypto.createCipheriv('aes-128-ecb', key, null);" }],
    negative: [{ language: 'javascript', code: "const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);" }],
  },
  'java.weak-hash': {
    positive: [{ language: 'java', code: 'MessageDigest digest = MessageDigest.getInstance("MD5");' }],
    negative: [{ language: 'java', code: 'MessageDigest digest = MessageDigest.getInstance("SHA-256");' }],
  },
  'java.weak-cipher': {
    positive: [{ language: 'java', code: 'Cipher cipher = Cipher.getInstance("DES/CBC/PKCS5Padding");' }, { language: 'java', code: 'Cipher cipher = Cipher.getInstance("AES");' }],
    negative: [{ language: 'java', code: 'Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");' }],
  },
  'go.weak-hash': {
    positive: [{ language: 'go', code: 'import "crypto/md5"\n\nsum := md5.Sum([]byte(password))' }],
    negative: [{ language: 'go', code: 'import "crypto/sha256"\n\nsum := sha256.Sum256([]byte(password))\n// md5.Sum was used here before' }],
  },
  'go.weak-cipher': {
    positive: [{ language: 'go', code: 'block, err := des.NewCipher(key)' }],
    negative: [{ language: 'go', code: 'block, err := aes.NewCipher(key)\ngcm, err := cipher.NewGCM(block)' }],
  },
  'c.weak-hash': {
    positive: [{ language: 'c', code: 'MD5_CTX context;\nMD5_Init(&context);\nMD5_Update(&context, password, length);' }],
    negative: [{ language: 'c', code: 'SHA256_CTX context;\nSHA256_Init(&context);\nconst char *name = "MD5(x)";' }],
  },
  'c.weak-cipher': {
    positive: [{ language: 'c', code: 'EVP_EncryptInit_ex(ctx, EVP_des_ede3_cbc(), NULL, key, iv);' }],
    negative: [{ language: 'c', code: 'EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv);' }],
  },
  'secrets.aws-access-key': {
    positive: [{ language: 'python', code: 'AWS_ACCESS_KEY_ID = "AKIAQ4L2XR7ZB5NWD3YP"' }],
    negative: [{ language: 'python', code: 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # the documentation\'s example key\nkey = os.environ["AWS_ACCESS_KEY_ID"]' }],
  },
  'secrets.private-key': {
    positive: [{ language: 'go', code: 'const key = `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n-----END RSA PRIVATE KEY-----`' }],
    negative: [{ language: 'go', code: 'const key = `-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0Z3VS5JJcds3xfn\n-----END PUBLIC KEY-----`' }],
  },
  'secrets.hardcoded-password': {
    positive: [
      { language: 'python', code: 'db = connect(host="db", user="admin", password="Tr0ub4dor&3")' },
      { language: 'java', code: 'private static final String DB_PASSWORD = "s3cr3t-pa55";' },
      { language: 'javascript', code: "const config = { user: 'admin', password: 'hunter2!' };" },
    ],
    negative: [
      { language: 'python', code: 'password = os.environ["DB_PASSWORD"]\npassword_prompt = "Enter your password: "\npassword = ""' },
      { language: 'javascript', code: "const config = { password: process.env.DB_PASSWORD, passwordHint: '<your password>' };\nif (password === 'x') {}" },
    ],
  },
  'secrets.generic-api-key': {
    positive: [
      { language: 'python', code: 'OPENAI_API_KEY = "sk-proj-9fJ2kLq8ZxW3pR7tY1mN4vB6"' },
      { language: 'go', code: 'client := api.New(api.Config{APIKey: "d41f8a9c2b7e4a31b0c6e5f7a8d9e0c1"})' },
    ],
    negative: [
      { language: 'python', code: 'api_key = "your-api-key-here"\napi_key = "xxxxxxxxxxxxxxxxxxxxxxxx"\napi_key = os.getenv("API_KEY")\napi_key = "aaaaaaaabbbbbbbbaaaaaaaa"' },
    ],
  },
  'python.tls-verify-disabled': {
    positive: [{ language: 'python', code: 'response = requests.get(url, verify=False)' }, { language: 'python', code: 'context = ssl._create_unverified_context()' }],
    negative: [{ language: 'python', code: 'response = requests.get(url, verify=True)\n# requests.get(url, verify=False)\nhelp_text = "never pass verify=False"' }],
  },
  'javascript.tls-verify-disabled': {
    positive: [
      { language: 'javascript', code: 'const agent = new https.Agent({ rejectUnauthorized: false });' },
      { language: 'typescript', code: "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';" },
    ],
    negative: [{ language: 'javascript', code: 'const agent = new https.Agent({ rejectUnauthorized: true });\n// rejectUnauthorized: false' }],
  },
  'java.tls-trust-all': {
    positive: [
      {
        language: 'java',
        code: 'TrustManager[] trustAllCerts = new TrustManager[] { new X509TrustManager() {\n  public void checkServerTrusted(X509Certificate[] chain, String authType) {}\n} };',
      },
      { language: 'java', code: 'connection.setHostnameVerifier((hostname, session) -> true);' },
    ],
    negative: [
      {
        language: 'java',
        code: 'public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {\n  delegate.checkServerTrusted(chain, authType);\n}',
      },
    ],
  },
  'go.tls-insecure-skip-verify': {
    positive: [{ language: 'go', code: 'client := &http.Client{Transport: &http.Transport{\n\tTLSClientConfig: &tls.Config{InsecureSkipVerify: true},\n}}' }],
    negative: [{ language: 'go', code: 'config := &tls.Config{InsecureSkipVerify: false, MinVersion: tls.VersionTLS12}' }],
  },
  'c.tls-verify-disabled': {
    positive: [{ language: 'c', code: 'curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);' }, { language: 'c', code: 'SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);' }],
    negative: [{ language: 'c', code: 'curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);\nSSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);' }],
  },
  'python.pickle-load': {
    positive: [{ language: 'python', code: 'session = pickle.loads(base64.b64decode(cookie))' }],
    negative: [{ language: 'python', code: 'session = json.loads(base64.b64decode(cookie))\nblob = pickle.dumps(session)' }],
  },
  'python.yaml-unsafe-load': {
    positive: [{ language: 'python', code: 'config = yaml.load(request.data)' }, { language: 'python', code: 'config = yaml.load(stream, Loader=yaml.Loader)' }],
    negative: [{ language: 'python', code: 'config = yaml.safe_load(stream)\nother = yaml.load(stream, Loader=yaml.SafeLoader)' }],
  },
  'javascript.unsafe-deserialization': {
    positive: [{ language: 'javascript', code: "const serialize = require('node-serialize');\nconst profile = serialize.unserialize(req.cookies.profile);" }],
    negative: [{ language: 'javascript', code: 'const profile = JSON.parse(req.cookies.profile);\nconst text = serialize.serialize(profile);' }],
  },
  'java.object-input-stream': {
    positive: [{ language: 'java', code: 'ObjectInputStream input = new ObjectInputStream(socket.getInputStream());\nObject message = input.readObject();' }],
    negative: [{ language: 'java', code: 'DataInputStream input = new DataInputStream(socket.getInputStream());\nint length = input.readInt();\nprivate void readObject(ObjectInputStream in) {}' }],
  },
  'python.path-traversal': {
    positive: [
      { language: 'python', code: 'filename = request.args.get("file")\nwith open(os.path.join(UPLOADS, filename)) as handle:\n    return handle.read()' },
      { language: 'python', code: 'return send_file("/srv/files/" + request.args["name"])' },
    ],
    negative: [
      { language: 'python', code: 'filename = secure_filename(request.args.get("file"))\nwith open(os.path.join(UPLOADS, filename)) as handle:\n    return handle.read()' },
    ],
  },
  'javascript.path-traversal': {
    positive: [
      { language: 'javascript', code: "app.get('/file', (req, res) => {\n  res.sendFile(path.join(__dirname, 'files', req.query.name));\n});" },
      { language: 'typescript', code: "const { name } = req.params;\nconst text = fs.readFileSync('../data/' + name, 'utf8');" },
    ],
    negative: [{ language: 'javascript', code: "const text = fs.readFileSync(path.join(__dirname, 'config.json'), 'utf8');\nres.sendFile(path.join(root, path.basename(req.query.name)));" }],
  },
  'java.path-traversal': {
    positive: [{ language: 'java', code: 'String name = request.getParameter("file");\nbyte[] body = Files.readAllBytes(Paths.get("/srv/files", name));' }],
    negative: [{ language: 'java', code: 'String name = FilenameUtils.getName(request.getParameter("file"));\nbyte[] body = Files.readAllBytes(Paths.get("/srv/files", name));' }],
  },
  'go.path-traversal': {
    positive: [{ language: 'go', code: 'name := r.URL.Query().Get("file")\ndata, err := os.ReadFile(filepath.Join("/srv/files", name))' }],
    negative: [{ language: 'go', code: 'name := filepath.Base(r.URL.Query().Get("file"))\ndata, err := os.ReadFile(filepath.Join("/srv/files", name))' }],
  },
};
