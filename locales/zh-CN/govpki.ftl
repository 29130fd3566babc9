# govpki 的简体中文消息（Project Fluent）。每条消息在 ../en/govpki.ftl 中有对应的英文消息，
# 变量相同（src/i18n/mod.rs 的测试检查）。行首空格用 {" "} 保留；标签由代码按列对齐。

## 错误的格式

error-label = 错误
hint-label = 提示
caused-by-label = 原因
join = {"："}

## 常见错误（错误链中的原因和上下文）

err-reading = 读取{ $what }`{ $path }`
err-not-found = 文件或目录不存在
err-permission = 权限不足
err-not-regular = 不是普通文件（{ $kind }）
err-kind-fifo = 命名管道
err-kind-socket = 套接字
err-kind-char-device = 字符设备
err-kind-block-device = 块设备
err-kind-directory = 目录
err-kind-other = 非文件
err-too-large = 文件超过 { $limit } 字节的上限
err-wrong-passphrase = 口令错误，或加密的密钥已损坏
err-empty-input = 输入为空
err-malformed-pem = PEM 格式错误：{ $detail }
err-no-pem-block = 未找到 `{ $label }` PEM 块
err-wrong-pem-block = 应为 `{ $expected }` PEM 块，实为 `{ $found }`
err-malformed-der = DER 格式错误：{ $detail }
err-trailing = DER 对象之后有 { $count } 个多余字节
err-not-der = 不是 DER：{ $detail }
err-docs-unverified = { $what ->
    [certificates] { $total } 张证书中有 { $failed } 张无法验证
   *[documents] { $total } 份文档中有 { $failed } 份无法验证
}
err-one-sig = --sig 指定一份文档的签名；与它一起只能给出一个 DOC
err-one-image = --image-out 写出一份文档的印章图像；与它一起只能给出一个 DOC

## 读取的对象（err-reading 的 what）

what-certificate = 证书
what-certificates = 证书
what-crl = CRL
what-document = 文档
what-signature = 签名
what-seal = 印章
what-seal-status = 印章状态列表
what-private-key = 私钥
what-passphrase-file = 口令文件
what-policy = 策略
what-csr = 证书请求

## 结论

verdict-valid = 有效
verdict-invalid = 无效
verdict-indeterminate = 无法判定
verdict-error = 出错
cert-valid = 有效
cert-invalid = 无效
cert-indeterminate = 无法判定

## seal verify 与 cert verify：整次运行的一行摘要和结尾的统计（$what：seal verify 为 documents，cert verify 为 certificates）

summary-one = { $verdict }：{ $document }：{ $reason }
summary-all-valid = { $verdict }：{ $what ->
    [certificates] { $n ->
        [one] 证书有效
       *[other] 全部 { $count } 张证书有效
    }
   *[documents] { $n ->
        [one] 文档有效
       *[other] 全部 { $count } 份文档有效
    }
}
summary-some-invalid = { $verdict }：{ $what ->
    [certificates] { $count } 张证书中有 { $bad } 张无效
   *[documents] { $count } 份文档中有 { $bad } 份无效
}
summary-some-indeterminate = { $verdict }：{ $what ->
    [certificates] { $count } 张证书中有 { $bad } 张无法判定
   *[documents] { $count } 份文档中有 { $bad } 份无法判定
}
summary-some-error = { $verdict }：{ $what ->
    [certificates] { $count } 张证书中有 { $bad } 张无法验证
   *[documents] { $count } 份文档中有 { $bad } 份无法验证
}
tally = 有效 { $valid }，无效 { $invalid }，无法判定 { $indeterminate }
tally-errors = ，无法验证 { $errors }

## seal verify：一份文档的报告（标签按 15 列对齐）

sv-document = 文档：
sv-verdict = 结论：
sv-format = 格式：
sv-format-ses = SES_Signature（GB/T 38540）
sv-seal = 印章：
sv-no-seal = 无印章
sv-type = 类型：
sv-department = 部门：
sv-esid = 印章编码：
sv-signer = 签章人：
sv-signer-serial = （序列号 { $serial }）
sv-unknown = （未知）
sv-authority = 制章者：
sv-signing-time = 签章时间：
sv-claimed-time = 声称时间：
sv-checks = 检查项：
sv-all-passed = 全部检查通过
sv-all-passed-notes = 全部检查通过（{ $notes }）
sv-note-unchecked = { $check }：未检查吊销状态
sv-note-sep = {"；"}
sv-reason-check = { $check }：{ $detail }
sv-wrote-image = 已将印章图像（{ $format }）写入 `{ $path }`

## 判定时间的来源

ts-claimed = 签章人声称
ts-given = 验证者指定（--at）
ts-verification = 验证时间（签名中没有签章时间）
ts-stamp = 时间戳，由 { $tsa } 签发

## 检查结果（四列宽）

st-pass = 通过
st-fail = 失败
st-indeterminate = 待定
st-skip = 跳过

## 检查项

check-seal_present = 印章存在
check-document_hash = 文档摘要
check-signer_signature = 签章人签名
check-signing_certificate = 签名证书属性
check-signing_time = 签章时间
check-signer_listed = 签章人在印章中
check-signer_chain = 签章人证书链
check-seal_signature = 制章者签名
check-seal_authority_chain = 制章者证书链
check-seal_extensions = 印章扩展
check-seal_validity = 印章有效期
check-seal_revocation = 印章吊销状态
check-time_stamp = 时间戳

## cert verify

cv-chain = 证书链：
cv-revocation = 吊销状态：
cv-policies = 证书策略：
cv-not-checked-no-crl = 未检查（未给出 CRL）
cv-good-by = 已检查，未吊销（由 { $by } 判定）
cv-good-crls = 已检查，未吊销（{ $crls }）
cv-undecided-by = 所给 CRL 和 { $why } 均未能判定
cv-undecided = 所给 CRL 未能判定
cv-not-checked = 未检查
cv-anchor = 信任锚（不检查）
cv-revoked = 证书已于 { $at } 吊销（{ $reason }）{ $by }
cv-decided-by = ，由 { $source } 判定

## 吊销原因（RFC 5280 §5.3.1，GB/T 20518 的术语）

reason-unspecified = 未指定
reason-keyCompromise = 密钥泄露
reason-cACompromise = CA密钥泄露
reason-affiliationChanged = 隶属关系改变
reason-superseded = 被替代
reason-cessationOfOperation = 停止操作
reason-certificateHold = 证书冻结
reason-removeFromCRL = 从CRL删除
reason-privilegeWithdrawn = 特权撤销
reason-aACompromise = 属性机构密钥泄露

## 纯逻辑层以英文说出的语句，打印时转述（src/i18n/phrases.rs）。
## `tx-*` 消息的英文即匹配模式：须与代码所说逐字一致。
## 术语（`term-*`）：整个词；标签（`lbl-*`）：`:` 前的字段名。

## 术语：吊销原因（RFC 5280）、安全域、密级、印章类型、状态
term-unspecified = 未指定
term-keyCompromise = 密钥泄露
term-cACompromise = CA密钥泄露
term-affiliationChanged = 隶属关系改变
term-superseded = 被替代
term-cessationOfOperation = 停止操作
term-certificateHold = 证书冻结
term-removeFromCRL = 从CRL删除
term-privilegeWithdrawn = 特权撤销
term-aACompromise = 属性机构密钥泄露
term-intranet = 政务内网
term-extranet = 政务外网
term-internet = 互联网
term-public = 公开
term-internal = 内部
term-secret = 秘密
term-confidential = 机密
term-top-secret = 绝密
term-official = 公章
term-contract = 合同专用章
term-finance = 财务专用章
term-invoice = 发票专用章
term-personal = 个人章
term-valid = 有效
term-revoked = 已吊销
term-hold = 冻结
term-expired = 已过期
term-none = 无
term-true = 是
term-false = 否
term-signer = 签章人
term-seal-authority = 制章者
term-allow = 允许
term-deny = 拒绝

## cert show、crl show、authz explain 的标签
lbl-subject = 主体
lbl-issuer = 颁发者
lbl-serial = 序列号
lbl-not-before = 生效时间
lbl-not-after = 失效时间
lbl-key = 密钥
lbl-signature = 签名
lbl-ca = CA
lbl-path-len = 路径长度
lbl-key-usage = 密钥用法
lbl-ext-key-usage = 扩展密钥用法
lbl-sans = 备用名称
lbl-crl-urls = CRL 地址
lbl-ski = 主体密钥标识
lbl-aki = 颁发机构密钥标识
lbl-sha256 = SHA-256
lbl-profile = 模板
lbl-status = 状态
lbl-this-update = 本次更新
lbl-next-update = 下次更新
lbl-crl-number = CRL 编号
lbl-entries = 条目
lbl-allow = 允许
lbl-deny = 拒绝
lbl-roles = 角色
lbl-path = 路径
lbl-rule = 规则
lbl-nearest-permissions = 最接近的权限
lbl-failed = 未满足
lbl-not-provable = 无法证明
lbl-warning = 警告

## cert show、cert list、crl show
tx-cert-count = 共 { $count } 张证书
tx-cert-count-expiring = { $count } 张证书即将到期
tx-crl-verified = 已用本机构 CA 验证
tx-crl-not-verified = 无法用本机构 CA 验证
tx-crl-not-checked-other = 未检查（非本机构 CA 签发）
tx-crl-valid-issuer = 有效（颁发者 { $issuer }）
tx-crl-invalid-issuer = 签名无效（{ $reason }；颁发者 { $issuer }）
tx-crl-issuer-differs = 未检查：CRL 的颁发者 { $crl } 不是 { $ca }
tx-expired-mark = { $time }（已过期）
tx-revoked-publish = 已吊销 { $serial }（{ $reason }）
tx-publish-hint = 用 `govpki crl generate` 发布这一变更

## seal verify：检查项的说明
tx-seal-named = 印章 { $esid }（{ $name }）
tx-no-seal = 无印章：签名中没有电子印章
tx-no-signer-cert = 没有签章人证书
tx-signer-listed = 签章人证书是该印章的持有者
tx-signer-not-listed = 签章人证书 { $cert } 不在印章 { $seal } 中
tx-no-message-digest = 没有 messageDigest 签名属性
tx-digest-unsupported = 不支持摘要算法 { $alg }
tx-hashed-with = 文档用 { $doc } 计算摘要，签名却用 { $alg }
tx-digest-matches = 文档的 { $alg } 摘要与签名的摘要一致
tx-digest-mismatch = 文档摘要不符：文档的 { $alg } 摘要与签名的摘要不同（签章后被改动）
tx-no-signed-attrs = 不支持没有签名属性的签名
tx-signer-cert-missing = 签名中没有签章人证书
tx-content-type = contentType 属性缺失或与内容类型不符
tx-signer-sig-ok = 签章人密钥的 { $alg } 签名验证通过
tx-signer-sig-bad = 签章人的签名无效：{ $why }
tx-no-signing-cert = 没有 signingCertificateV2 属性（不是 CAdES 签名）
tx-hash-unsupported = 不支持哈希算法 { $alg }
tx-signing-cert-ok = signingCertificateV2 指向签章人证书
tx-signing-cert-other = signingCertificateV2 指向的不是签章人证书
tx-claim-after-stamp = 声称的签章时间 { $claimed } 晚于时间戳的 genTime { $gen }（晚 { $by }）：签章人的声称不实
tx-time-stamped = { $time }（时间戳由 { $tsa } 签发；签章人声称：{ $claimed }）
tx-claim-after-verification = 声称的签章时间 { $claimed } 晚于验证时间 { $now }
tx-claimed-stamp-proves-nothing = { $time }（签章人声称；时间戳不能证明时间）
tx-claimed-not-stamped = { $time }（签章人声称，无时间戳）
tx-claimed-ses = { $time }（签章人在 timeInfo 中声称，无时间戳）
tx-judged-given = 按 { $time } 判定（验证者指定）
tx-no-signing-time = 没有 signingTime 属性：按验证时间判定
tx-seal-stamp-unverified = 印章带有时间戳（SES_Seal），govpki 尚不验证
tx-not-verified-yet = { $what }，govpki 尚不验证
tx-no-time-stamp = 没有时间戳
tx-stamp-untrusted = { $tsa } 签发的时间戳不能证明时间：其 TSA 在 { $at } 不受信任：{ $reason }
tx-authority-sig-ok = 制章者的 { $alg } 签名验证通过
tx-authority-sig-bad = 制章者的签名无效：{ $why }
tx-no-unknown-critical = 没有未知的关键扩展
tx-unknown-critical = 印章有未知的关键扩展：{ $oids }
tx-seal-not-yet-valid = 印章 { $seal } 在签章时间 { $time } 尚未生效（有效期 { $window }）
tx-seal-expired = 印章 { $seal } 在签章时间 { $time } 已过期（有效期 { $window }）
tx-seal-in-validity = 签章时间在印章有效期 { $window } 之内
tx-seal-not-revoked = 印章未被吊销
tx-seal-revoked-before = 印章 { $seal } 已于 { $at } 吊销，早于签章时间 { $time }
tx-seal-revoked-reason-before = 印章 { $seal } 已于 { $at } 吊销（{ $reason }），早于签章时间 { $time }
tx-seal-revoked-after = 印章已于 { $at } 吊销，晚于签章时间
tx-seal-status = 印章状态
tx-no-seal-status = 没有印章状态列表
tx-ses-hashed-with = 文档用 { $alg } 计算摘要，但 SES_Signature 签的是其 SM3 摘要
tx-ses-digest-ok = 文档的 sm3 摘要与 dataHash 一致
tx-ses-digest-mismatch = 文档摘要不符：文档的 sm3 摘要与 dataHash { $hash } 不同（签章后被改动，或不是所签的文件 { $file }）
tx-ses-signer-sig-ok = 签章人密钥对 TBS_Sign 的 { $alg } 签名验证通过
tx-chain-valid-not-revoked = { $who }：证书链有效，未吊销
tx-chain-valid = { $who }：证书链有效
tx-signer-why = 签章人：{ $why }
tx-authority-why = 制章者：{ $why }
tx-revocation-not-checked-why = 未检查吊销状态：{ $why }
tx-pass-revocation-not-checked = { $detail }；未检查吊销状态：{ $why }
tx-revocation-not-checked-note = { $check }：未检查吊销状态

## 验证器给出的原因（印章证书链、cert verify）
tx-cert-revoked = 证书 { $cert }（序列号 { $serial }）已于 { $at } 吊销（{ $reason }）
tx-cert-revoked-since = 证书 { $cert }（序列号 { $serial }）已于 { $at } 吊销（{ $reason }），自 { $since } 起无效
tx-cert-revoked-before-signing = 证书 { $cert }（序列号 { $serial }）已于 { $at } 吊销（{ $reason }），不晚于签章时间 { $time }
tx-cert-revoked-since-before-signing = 证书 { $cert }（序列号 { $serial }）已于 { $at } 吊销（{ $reason }），自 { $since } 起无效，不晚于签章时间 { $time }
tx-cert-revoked-compromise = 证书 { $cert }（序列号 { $serial }）已于 { $at } 吊销（{ $reason }）：密钥泄露使其所签的一切失效，无论声称何时；签章时间 { $time } 没有可信时间戳证明早于 { $before }
tx-cert-malformed = 证书格式错误
tx-cert-malformed-why = 证书格式错误：{ $why }
tx-path-cert-malformed = 路径中有证书格式错误
tx-authority-cert-malformed = 制章者证书格式错误
tx-ku-malformed = 密钥用法格式错误：{ $why }
tx-eku-malformed = 扩展密钥用法格式错误：{ $why }
tx-ca-cannot-hold = { $subject } 是 CA 证书，不能持有印章
tx-not-authority-ku = { $subject } 不是制章者：密钥用法缺少 keyCertSign 的 CA 证书不属于该体系
tx-not-authority = { $subject } 不是制章者：既不是受信体系的 CA 证书，也不是 `seal-authority` 证书（扩展密钥用法 { $eku }），也未用 --seal-authority 指定
tx-no-cert-sign = 证书 { $subject } 不得签发证书：其密钥用法缺少 keyCertSign
tx-not-yet-valid-checked = 证书 { $subject } 在 { $from } 之前无效（检查时间 { $at }）
tx-expired-checked = 证书 { $subject } 已于 { $to } 过期（检查时间 { $at }）
tx-no-ku-fit = 证书 { $subject } 没有适合{ $use }的密钥用法
tx-use-documents = 签署文档（digitalSignature 或 nonRepudiation）
tx-use-seals = 签制印章
tx-use-stamps = 签发时间戳
tx-no-eku-ts = 证书 { $subject } 没有 extendedKeyUsage timeStamping
tx-not-tsa = 证书 { $subject } 不是 TSA 证书：RFC 3161 要求关键的 extendedKeyUsage 且只含 timeStamping
tx-crl-too-old = { $subject } 的最新 CRL 签发于 { $at }，早于签章时间 { $time }，不能证明证书当时未被吊销
tx-no-usable-crl = { $subject } 没有可用的 CRL：{ $issuer } 的 CRL 不能用其颁发者的密钥验证
tx-no-crl-from = 没有 { $issuer } 为 { $subject } 签发的 CRL
tx-pinned-no-path = { $subject } 由 --seal-authority 指定，但没有到信任锚的路径
tx-no-anchor = 未给出信任锚
tx-anchor-unusable = 信任锚 { $index } 不可用：{ $reason }
tx-crl-malformed-index = CRL { $index } 格式错误：{ $reason }
tx-sig-not-verify = 签名验证失败
tx-sig-not-fit = 签名算法与密钥不符
tx-sig-unsupported = 不支持的签名算法 { $alg }
tx-explicit-policy = 要求显式策略，但路径上没有可接受的有效策略

## authz check / explain
tx-denied-by-rule = 被规则 { $rule } 拒绝
tx-denied-by-rule-fail-closed = 被规则 { $rule } 拒绝（因某条件无法求值而适用：{ $first }）
tx-allowed-by = 由角色 { $role } 的权限 { $perm } 允许（绑定 { $binding }）
tx-allowed-by-inherited = 由角色 { $role } 的权限 { $perm } 允许，经 { $by } 继承（绑定 { $binding }）
tx-no-permission = 没有权限允许对 { $resource } 执行 { $action }
tx-no-permission-no-binding = 没有权限允许对 { $resource } 执行 { $action }（没有绑定与主体匹配）
tx-no-permission-nearest = 没有权限允许对 { $resource } 执行 { $action }；最接近的：{ $rule } 未满足 { $why }
tx-sod = 职责分离 { $rule }：主体同时拥有 { $a } 和 { $b }
tx-malformed-request = 请求格式错误：{ $why }
tx-roles-none = 角色：无（没有绑定与主体匹配）
tx-role-binding = { $role }（绑定 { $binding }）
tx-role-binding-inherited = { $role }（绑定 { $binding }，继承自 { $via }）
tx-step-binding = 绑定       { $rest }
tx-step-role = 角色       { $rest }
tx-step-inherits = 继承       { $rest }
tx-step-permission = 权限       { $rest }
tx-could-not-evaluate = 无法求值：{ $what }
tx-cond-time = 时间在 { $from }-{ $to }（{ $zone }）
tx-cond-time-days = 时间在 { $from }-{ $to }（{ $zone }），{ $days }
tx-cond-domain = 安全域属于 [{ $list }]
tx-cond-level-between = 密级在 { $a } 与 { $b } 之间
tx-cond-level-at-least = 密级不低于 { $a }
tx-cond-level-at-most = 密级不高于 { $a }
tx-cond-clearance = 涉密资格不低于 { $a }
tx-cond-subject = 主体 { $key } 属于 [{ $list }]
tx-cond-context = 上下文 { $key } 属于 [{ $list }]
tx-req-no = 请求没有给出 { $what }
tx-req-invalid = 请求的 { $what } { $v } 无效
tx-is-domain = 安全域为 `{ $d }`
tx-is-time = 当地时间为 { $t }
tx-is-level = 密级为 `{ $l }`
tx-clearance-below = 涉密资格 `{ $c }` 低于密级 `{ $l }`
tx-clearance-is = 涉密资格为 `{ $c }`
tx-subject-no = 主体没有 { $key }
tx-subject-is = 主体的 { $key } 为 { $v }
tx-context-is = 上下文的 { $key } 为 { $v }
tx-in-context = 上下文中的 { $key }

## audit verify
tx-audit-intact = 审计日志完整：{ $records } 条记录，{ $signed } 条由操作员签名，头部 { $head }
tx-store-matches = 存储与日志一致：{ $certs } 张证书（{ $revoked } 张已吊销或冻结），{ $crls } 份 CRL，{ $seals } 枚印章
tx-decided-again = { $n } 项已允许的操作按其固定策略重新判定；{ $k } 个签名检查点验证通过
tx-extends-head = 日志延续了头部 { $file }
tx-store-mismatch-at = 存储与审计日志不一致，位于记录 { $seq }：{ $why }
tx-store-mismatch = 存储与审计日志不一致：{ $why }
tx-audit-broken-at = 审计日志已损坏，位于记录 { $seq }：{ $why }
tx-audit-broken = 审计日志已损坏：{ $why }
tx-more-rows = （另有 { $n } 行不一致；见 --json）
tx-not-provable-more = 无法证明：另有 { $n } 项（见 --json）

## 常见错误和提示
tx-already-exists = { $path } 已存在
tx-pass-force = 如需替换，请加 --force
tx-already-holds-ca = { $path } 中已有 CA
tx-neither-file-nor-serial = { $target } 既不是文件，也不是十六进制序列号
tx-give-file-or-serial = 请给出证书文件，或 `openssl x509 -serial` 所打印的序列号
tx-no-cert-with-serial = 本 CA 没有签发过序列号为 { $serial } 的证书
tx-reading-the-cert = 读取证书
tx-checking-crl = 检查 CRL { $path }
tx-expected-found = 应为 { $expected }，实为标签 { $tag }
tx-unexpected-end = 数据意外结束
tx-invalid-base64 = base64 无效：{ $why }
tx-no-ca-home = 没有 CA 目录：--home、$GOVPKI_HOME 和 $HOME 均未设置
tx-pass-home = 请用 --home DIR 指定

## clap 的错误（参数解析器的原话）
tx-clap-error = 错误：{ $what }
tx-clap-unrecognized-subcommand = 无法识别的子命令 { $name }
tx-clap-unexpected-argument = 意外的参数 { $arg }
tx-clap-tip-value = 提示：要把 { $arg } 作为值传入，请用 { $use }
tx-clap-tip-similar-subcommand = 提示：有相似的子命令：{ $name }
tx-clap-tip-similar-argument = 提示：有相似的参数：{ $name }
tx-clap-required = 缺少以下必需参数：
tx-clap-invalid-value = { $arg } 的值 { $value } 无效
tx-clap-possible-values = [可选值：{ $raw-list }]
tx-clap-value-required = { $arg } 需要一个值，但未提供
tx-clap-cannot-be-used = 参数 { $a } 不能与 { $b } 一起使用
tx-clap-usage = 用法：{ $usage }
tx-clap-more-info = 更多信息请使用 { $flag }。
join-semi = {"；"}
term-weekdays = 周一至周五

## cert list --expiring：列名

col-serial = 序列号
col-subject = 主体
col-profile = 模板
col-not-after = 失效时间
col-days-left = 剩余天数

## 路径验证器给出的原因（pkix、ca::verify）
tx-revoked-at = 已于 { $at } 吊销（{ $reason }）
tx-hold-at = 已于 { $at } 冻结（{ $reason }）
tx-chain-expired = 证书链中的 { $subject } 已于 { $at } 过期（检查时间 { $checked }）
tx-chain-not-yet-valid = 证书链中的 { $subject } 在 { $at } 之前无效（检查时间 { $checked }）
tx-cert-revoked-at = 证书已于 { $at } 吊销（{ $reason }）
tx-cert-revoked-at-by = 证书已于 { $at } 吊销（{ $reason }），由 { $by } 判定
tx-chain-cert-revoked = 证书链中有证书已吊销：{ $subject } 于 { $at } 吊销（{ $reason }）
tx-chain-cert-revoked-by = 证书链中有证书已吊销：{ $subject } 于 { $at } 吊销（{ $reason }），由 { $by } 判定
tx-chain-sig = 证书链中有签名验证失败：{ $why }
tx-wrong-purpose = 证书不适用于所请求的用途（扩展密钥用法）
tx-chain-too-long = 证书链过长
tx-not-decided-both = 所给 CRL 和 OCSP 均未能判定以下证书的吊销状态：{ $list }
tx-not-decided = 所给 CRL 未能判定以下证书的吊销状态：{ $list }
tx-undecided-subject = `{ $subject }`（{ $why }）
tx-no-crl-covers = 所给 CRL 均不覆盖它
tx-crl-stale = 其 CRL 已过 nextUpdate
tx-crl-no-valid-signer = 其颁发者的 CRL 没有一份由有效密钥签名
tx-crl-reasons = 所给 CRL 未覆盖全部吊销原因
tx-crl-critical = 其 CRL 有不支持的关键扩展
tx-no-path = 没有到受信 CA 的路径：{ $subject } 的颁发者未知或不受信任
tx-chain-longer = 证书链超过 { $max } 张证书
tx-sig-of = { $subject } 的签名验证失败：{ $why }
tx-subject-expired = { $subject } 已于 { $at } 过期
tx-subject-not-yet-valid = { $subject } 在 { $at } 之前无效
tx-not-ca = { $subject } 不是 CA 证书（basicConstraints 的 cA 不为 TRUE）
tx-path-len = { $subject } 超出路径长度约束
tx-no-keycertsign = { $subject } 不得签发证书：其 keyUsage 缺少 keyCertSign
tx-unsupported-critical = { $subject } 有不支持的关键扩展 { $oid }
tx-name-constraint = { $subject } 违反名称约束：{ $why }
tx-cert-policies = 证书策略：{ $why }
tx-subject-wrong-purpose = { $subject } 不适用于所请求的用途（扩展密钥用法）
tx-negative-serial = { $subject } 的序列号为负数（RFC 5280 §4.1.2.2）
tx-sig-alg-differs = { $subject } 的 TBS 内外签名算法不一致
tx-subject-revoked = { $subject } 已被吊销
tx-not-der-cert = 不是 DER 证书：{ $why }
tx-bad-time = 时间格式错误：{ $why }
tx-ext-twice = 扩展 { $oid } 出现多次
tx-ext-malformed = 扩展 { $oid } 格式错误：{ $why }
tx-unsupported-key = 不支持或格式错误的公钥：{ $why }

## authz explain：其他行
tx-conflicting-roles = 冲突角色：{ $list }
tx-role-binding-scope = { $role }（绑定 { $binding }，范围 dept/{ $scope }/）
tx-role-binding-inherited-scope = { $role }（绑定 { $binding }，继承自 { $via }，范围 dept/{ $scope }/）
tx-nearest-permission = { $perm }（角色 { $role }）[{ $at }]

## PEM 与 base64（pem、base64 库的原话）
tx-pem-invalid-data = base64 数据无效：{ $why }
tx-b64-symbol = 偏移 { $offset } 处的符号无效（字节值 { $byte }）
tx-b64-length = 输入长度无效：{ $len }
tx-b64-last = 偏移 { $offset } 处的末尾符号 { $sym } 无效（解码为 { $bits }）
tx-b64-padding = 填充无效
tx-pem-mismatch = BEGIN（{ $b }）与 END（{ $e }）标记不一致
tx-pem-framing = PEM 框架格式错误
tx-pem-no-begin = 缺少 BEGIN 标记
tx-pem-no-end = 缺少 END 标记
tx-pem-no-data = 缺少数据
tx-pem-header = PEM 头无效：{ $hdr }

## 更多常见错误和提示
tx-holds-no-ca = { $home } 中没有 CA（请先运行 `govpki ca init`，或用 --home 指定）
tx-pass-force-short = 请加 --force
tx-unknown-profile = 未知的模板 { $name }
tx-unknown-profile-builtin = 未知的模板 { $name }（内置：{ $list }；本机构模板为 { $file }）
tx-did-you-mean-profile = 是否想用 { $near }？（`govpki cert profiles` 列出全部模板）
tx-no-public-key = 没有要签发证书的公钥
tx-pass-csr-or-key-out = 用 --csr F 给出部门自己的密钥，或用 --key-out F 生成一个
tx-no-trust-given = 未给出 --trust，且 { $home } 中没有可默认信任的 CA
tx-pass-trust = 请用 --trust ROOT.pem 指定（可重复），或用 --home DIR
tx-policy-not-load = 策略 { $path } 无法加载（{ $n } 个错误）
tx-policy-not-load-n = 策略 { $path } 无法加载（{ $n } 个错误）
tx-no-yaml = 策略目录 { $dir } 中没有 .yaml 或 .yml 文件
tx-no-passphrase-source = 没有{ $what }的口令来源，也没有可询问的终端
tx-what-ca-key = CA 私钥
tx-key-not-of-cert = 密钥 { $key } 不是证书 { $serial } 的密钥
tx-not-issued-here = 该证书不是本机构 CA 签发的
tx-remove-from-crl = 从CRL删除（removeFromCRL）不是吊销原因
tx-release-hint = 冻结的证书用 `govpki cert release SERIAL` 解除
tx-revoked-not-renewed = 证书 { $cert } 已吊销（{ $reason }）；已吊销的证书不能续期
tx-no-signature-for = { $doc } 没有签名：{ $a } 和 { $b } 均不存在
tx-give-seal-file = 请给出 .esl、.p7s 或印章状态列表文件，或 `govpki seal create` 给出的 esID
tx-pass-home-or-as = 请用 --as OPERATOR_CERT --as-key OPERATOR_KEY 指定
tx-governed-no-operator = 本 CA 受策略 { $policy } 管理，但未指定操作员
tx-reading-ca-cert = 读取 CA 证书
tx-reading-passphrase = 读取口令
tx-unlocking-key = 解锁私钥 { $path }
tx-signing-head = 用 CA 私钥签署日志头部
tx-reading-stored-cert = 读取存储的证书
tx-denied-by-policy = 策略拒绝：对 { $resource } 执行 { $action }：{ $reason }
tx-no-domain-hint = 未给出 --domain（intranet、extranet 或 internet）
lbl-hint = 提示

## 更多验证原因、警告、序列号
tx-cert-not-yet-valid-at = 证书在 { $at } 之前无效（检查时间 { $checked }）
tx-cert-expired-at = 证书已于 { $at } 过期（检查时间 { $checked }）
tx-not-hex-serial = { $x } 不是十六进制序列号
tx-warn-ca-unencrypted = CA 私钥以未加密形式保存（--no-passphrase）
tx-warn-key-unencrypted = 私钥以未加密形式保存（--no-passphrase）
tx-warn-generated-unencrypted = 生成的私钥以未加密形式保存（--no-key-passphrase）
tx-warn-new-key-unencrypted = 新私钥以未加密形式保存（--no-key-passphrase）
tx-warn-p12-weak = PKCS#12 口令强度不足（--allow-weak-passphrase）
tx-warn-next-update-after-ca = nextUpdate 晚于 CA 证书的到期时间
tx-warn-validity-cut = 有效期已截至上级 CA 的到期时间 { $end }
tx-warn-crl-expired = 第 { $n } 号 CRL 已于 { $at } 过期；请运行 `govpki crl generate`
tx-warn-publish-failed = 发布 CRL 失败：{ $why }

## audit verify：日志损坏的原因
tx-audit-edited = 记录内容与其哈希不符（记录被修改过）
tx-audit-prev = 其前一哈希与上一条记录不符
tx-audit-gap = 序号不连续：应为记录 { $expected }，实为 { $found }
tx-audit-ca-cert = 存储中的 CA 证书不是记录 1 创建的那一张
tx-audit-not-extend = 日志没有延续头部 { $head }：{ $why }

## 输入错误：时间、名称、备用名称、密钥、存储
tx-not-duration = { $v } 不是 30d、2y、12h 或 90m 这样的时长
tx-too-long-duration = { $v } 超过 { $max } 年，即 govpki 接受的最长时长
tx-not-rfc3339 = { $v } 不是 2026-11-30T09:00:00+08:00 这样的 RFC 3339 时间
tx-not-before-before-ca = --not-before { $nb } 早于 CA 自身的 notBefore { $ca }
tx-not-after-not-after = --not-after { $na } 不晚于 notBefore { $nb }
tx-validity-past-calendar = 有效期 { $v } 超出了日历范围
tx-dn-empty = 可分辨名称为空
tx-dn-form = { $v } 不是 TYPE=value 的形式
tx-dn-unknown-attr = 未知的属性类型 { $v }
tx-dn-empty-value = { $v } 的值为空
tx-dn-bad-escape = { $v } 中的转义有误
tx-dn-country = 国家 { $v } 不是两个字母的代码
tx-dn-multi = 不支持多值 RDN（`+`）
tx-dn-too-long = { $attr } 的值有 { $len } 个字符，超过 { $max } 的上限
tx-dn-control = 值中含有控制字符
tx-san-form = { $v } 不是 dns:NAME、email:ADDR、ip:ADDR 或 uri:URI 的形式
tx-san-dns = { $v } 不是有效的 DNS 名称
tx-san-email = { $v } 不是有效的电子邮件地址
tx-san-ip = { $v } 不是 IP 地址
tx-san-uri = { $v } 不是 ASCII URI
tx-already-revoked = 证书 { $serial } 已被吊销（{ $reason }）
tx-not-on-hold = 证书 { $serial } 未被冻结
tx-store-damaged = 存储中的 CA 元数据已损坏：{ $why }
tx-keygen-failed = 密钥生成失败
tx-not-pkcs8 = 不是 PKCS#8 私钥：{ $why }
tx-unsupported-key-type = 不支持的密钥类型：{ $why }
tx-encrypting-failed = 加密私钥失败：{ $why }
tx-no-passphrase = 没有口令：{ $why }
tx-passphrase-empty = 口令为空
tx-signing-failed = 签名失败
tx-not-hold-role = 主体没有角色 { $role }
tx-allows-only-on = 只允许对 { $resource } 执行 { $action }
join-list = {"、"}
tx-cond-clearance-covers = 涉密资格覆盖资源密级
tx-cond-any-level = 任意密级

## 签发、续期、发布及其有效期界限
tx-issued-cert = 已签发 { $profile } 证书 { $serial }，主体 `{ $subject }`，有效期至 { $until }
tx-issued-batch = 已签发 { $n } 张证书，写入 `{ $dir }`
tx-renewed-cert = 已续期证书 { $old }，新证书 { $serial }，主体 `{ $subject }`，有效期至 { $until }
tx-renew-old-stays = { $old } 在到期前仍然有效（--revoke-old 可将其吊销）
tx-renew-old-revoked = 已吊销 { $old }（被替代）；用 `govpki crl generate` 发布这一变更
tx-crl-published = 已发布 CRL #{ $n }，含 { $entries } 个条目，下次更新 { $next }
tx-created-root-ca = 已在 `{ $home }` 创建根 CA `{ $subject }`（序列号 { $serial }，有效期至 { $until }）
tx-created-sub-ca = 已在 `{ $home }` 创建下级 CA `{ $subject }`（序列号 { $serial }，有效期至 { $until }）
tx-exported-p12 = 已写出 `{ $out }`：证书 { $serial }（`{ $subject }`）及其 { $alg } 私钥和 { $n } 张证书链证书，友好名称 `{ $name }`
tx-past-issuer = 有效期将于 `{ $end }` 结束，晚于 CA 自身的失效时间 `{ $ca }`
tx-past-issuer-hint = 请指定不晚于 `{ $ca }` 的 --not-after（或更短的 --validity），或先为 CA 续期
tx-over-profile-max = { $days } 天的有效期超过模板 `{ $profile }` 的上限 { $max } 天
tx-over-profile-max-hint = 请指定 --validity { $max }d 或更短（模板的上限）
tx-fitted-default = 模板的默认有效期将超过 CA 自身的失效时间：证书与 CA 同时到期，即 `{ $end }`；如需更长的有效期，请先为 CA 续期
tx-fitted-default-parent = 默认有效期将超过上级 CA 自身的失效时间：本 CA 与其同时到期，即 `{ $end }`；如需更长的有效期，请先为上级 CA 续期
tx-fitted-batch = 批量文件 { $file } 第 { $rows } 行：模板的默认有效期将超过 CA 自身的失效时间：这些证书与 CA 同时到期，即 `{ $end }`；如需更长的有效期，请先为 CA 续期
tx-batch-row = 批量文件 { $file } 第 { $row } 行：{ $why }
tx-batch-row-at = 批量文件 { $file } 第 { $row } 行
tx-not-builtin-over-ca = 模板 { $name } 不是内置模板：经 --ca 批量签发时每行只能使用内置模板（操作接口不接受本机构模板）
tx-home-profile-rows-locally = 请在 CA 所在主机上不带 --ca 签发使用本机构模板的各行
tx-profile-needs-san = 模板 { $name } 需要一个 { $kind }: 类型的 SAN
tx-profile-disallows-san = 模板 { $name } 不允许 SAN { $san }
tx-batch-row-ca-hint = 请将第 { $row } 行的有效期设为不晚于 `{ $ca }`，或先为 CA 续期
tx-batch-row-max-hint = 请将第 { $row } 行的有效期设为 { $max }d 或更短（模板的上限）
tx-seal-past-maker = --valid-until `{ $end }` 晚于印章制作者证书自身的失效时间 `{ $ca }`：印章的有效期不能超过制作它的证书
tx-seal-past-maker-hint = 请指定不晚于 `{ $ca }` 的 --valid-until（或不指定），或使用有效期更长的印章管理机构证书制作印章
tx-list-profiles-hint = 用 `govpki cert profiles` 列出全部模板

## seal show：标签及其值的语句（src/seal/summary.rs、seal.rs、ses.rs、status.rs；
## src/ops/seal/show.rs、src/cli/seal/show.rs）
lbl-ss-signing-time = 签章时间
lbl-ss-algorithms = 算法
lbl-ss-doc-digest = 文档摘要
lbl-ss-attributes = 签名属性
lbl-ss-certificate = 证书
lbl-ss-crls = CRL 数
lbl-ss-time-stamp = 时间戳
lbl-ss-signers = 签名者数
lbl-ss-seal = 印章
lbl-ss-esid = 印章编码
lbl-ss-type = 类型
lbl-ss-department = 部门
lbl-ss-valid = 有效期
lbl-ss-created = 制作时间
lbl-ss-holder = 持有者
lbl-ss-authority = 制章者
lbl-ss-algorithm = 签名算法
lbl-ss-image = 印章图像
lbl-ss-format = 格式
lbl-ss-signature = 签名
lbl-ss-maker = 制章资格
lbl-ss-status = 状态
lbl-ss-seal-maker = 制章资格
lbl-ss-signer-sig = 签章人签名
lbl-ss-seal-sig = 制章者签名
lbl-ss-note = 说明
lbl-ss-signed-file = 签名文件
lbl-ss-extension = 扩展
lbl-ss-this-update = 本次更新
lbl-ss-next-update = 下次更新
lbl-ss-revoked-seals = 已吊销印章
term-official-zh = 公章
term-contract-zh = 合同专用章
term-finance-zh = 财务专用章
term-invoice-zh = 发票专用章
term-personal-zh = 个人章
term-other-zh = 其他印章
term-no-seal = 无印章
term-none-paren = （无）
term-cert-not-in-signature = （签名中没有该证书）
term-unknown-tsa = 未知的时间戳机构
term-seal-status-list = 印章状态列表
term-home-seal-authority = 本机构体系内的制章机构
term-authority-kind-ca = CA 证书
term-authority-kind-profile = 制章机构（seal-authority）证书
term-recorded-not-revoked = 已记录在本机构，未吊销
term-verifies-authority-in-seal = 用印章中的制章者证书验证通过
term-verifies-authority = 用制章者证书验证通过
term-verifies-signer-in-signature = 用签名中的签章人证书验证通过
term-no-seal-note = 该签名不带电子印章（seal verify 判其无效）
term-ses-note = 文档摘要、证书链和时间由 `seal verify DOC --sig FILE` 判定
tx-ss-seal-type = { $type }（类型代码 { $code }）
tx-ss-claimed-by-the-signer = { $time }（签章人声称）
tx-ss-claimed-by-signer = { $time }（签章人声称）
tx-ss-only-first = { $n }（仅显示第一个）
tx-ss-image = { $size } 毫米（{ $bytes } 字节）
tx-ss-format = SESeal 第 { $version } 版，由 `{ $vendor }` 制作
tx-ss-format-ts = SESeal 第 { $version } 版，由 `{ $vendor }` 制作，带时间戳
tx-ss-ses = SES_Signature 第 { $version } 版（GB/T 38540）
tx-ss-ses-ts = SES_Signature 第 { $version } 版（GB/T 38540），带时间戳
tx-ss-serial = { $subject }（序列号 { $serial }）
tx-ss-data-hash = { $hash }（dataHash）
tx-ss-property-info = { $file }（propertyInfo）
tx-ss-critical = { $oid }（关键）
tx-ss-over-tbs = { $result }（对 TBS_Sign）
tx-ss-alg-verifies = { $alg }，用制章者证书验证通过
tx-ss-does-not-verify = 验证失败：{ $why }
tx-ss-not-checked = 未检查：{ $why }
tx-ss-maker-kind = { $kind }；是否为受信的制章机构由 `seal verify` 判定（--trust、--seal-authority）
tx-ss-not-seal-authority = 不是制章机构：{ $why }
tx-ss-revoked-at = 已于 { $at } 吊销
tx-ss-gen-time = 时间戳 genTime { $time }，由 { $tsa } 签发（未验证：由 `seal verify` 验证）
tx-ss-unreadable = 无法读取：{ $why }
tx-ss-wrote-image = 已将印章图像（{ $format }，{ $width }×{ $height } 毫米）写入 `{ $path }`

## seal create、sign、revoke、status-list，csr create，ca policy，serve 与 demo 的成功信息
tx-made-seal = 已制作{ $type } `{ $name }`（{ $department }），印章编码 { $esid }，有效期 { $from } .. { $until }，持有者 { $n } 名，写入 `{ $out }`
tx-sealed = 已签章 `{ $document }` -> `{ $signature }`
tx-sealed-batch = 已用印章 `{ $esid }`（{ $name }）为 { $n } 份文档签章，签章时间 { $time }
tx-revoked-seal = 已吊销印章 `{ $esid }`（{ $reason }）
tx-seal-publish-hint = 用 `govpki seal status-list` 发布这一变更
tx-published-seal-status = 已发布印章状态列表，含 { $n } 枚已吊销印章，下次更新 { $next }
tx-wrote-key = 已写入私钥 `{ $path }`
tx-ca-governed = 本 CA 现由策略 `{ $policy }` 管理，固定为版本 { $version }
tx-ca-not-governed = 本 CA 不再由策略管理
tx-listening-https = 正在监听 { $url }（{ $domain }）
tx-listening-publication = 正在监听 { $url }（仅发布）
tx-ocsp-signed = 已为 { $n } 张证书签发 OCSP 应答，下次更新 { $next }
tx-crl-publish-failed = 发布 CRL 失败：{ $why }
tx-ocsp-refresh-failed = 刷新 OCSP 应答失败：{ $why }
tx-demo-in = govpki 演示目录 `{ $dir }`
tx-demo-kept = 已保留 `{ $dir }`
tx-demo-complete = 演示完成：每一步均符合预期

## cert profiles：表格的单元格
prof-built-in = 内置
prof-home-based = 本机构，基于 { $base }
prof-max-days = 最长 { $days } 天
term-unknown = 未知

## demo：各步骤的标题（src/cli/demo.rs；英文须与标题逐字一致）
tx-demo-step = == { $n }. { $title }
term-demo-1 = 创建根 CA（P-256，私钥以 scrypt 加密）
term-demo-2 = 为信息中心签发部门证书，密钥由系统生成
term-demo-3 = 公务员自行保管私钥：创建证书请求（CSR）
term-demo-4 = 依据 CSR 签发个人证书
term-demo-5 = 列出 CA 已签发的证书
term-demo-6 = 张三的私钥遗失：吊销其证书
term-demo-7 = 发布 CRL
term-demo-8 = 查看 CRL
term-demo-9 = 用 CRL 验证部门证书：有效（退出码 0）
term-demo-10 = 用 CRL 验证张三的证书：已吊销（退出码 1）
term-demo-11 = 为办公室签发印章持有者证书（模板 seal，documentSigning）
term-demo-12 = 制章机构为办公室制作公章，绘制为圆形红色印章
term-demo-13 = 李四对通知签章：notice.txt.p7s，一个带印章的 CMS 签名
term-demo-14 = 审核人验证已签章的通知：有效（退出码 0）；CRL 早于签章，无法据此判定吊销状态
term-demo-15 = 查看签章签名及其所带的印章
term-demo-16 = 改动一个字节的副本，对照原件的签章验证：无效（退出码 1）
term-demo-17 = 签发 CA 操作员本人的证书（TITLE=安全管理员，信息中心）
term-demo-18 = 策略允许操作员从政务内网为财政局签发证书（退出码 0）
term-demo-19 = 同一请求来自互联网：明确的拒绝规则优先于允许（退出码 1）
term-demo-20 = 将 CA 置于策略的角色与绑定之下：此后其命令需要操作员
term-demo-21 = 操作员签发一张财政局证书，以其私钥证明在场（私钥对该操作签名）
term-demo-22 = 同一操作员从政务外网操作：策略拒绝，拒绝记入审计日志（退出码 1）
term-demo-23 = 验证审计日志：哈希链及操作员对其操作的签名
term-demo-24 = 国密算法：在第二个 CA 目录中创建 SM2 根 CA（SM2-with-SM3，GM/T 0009 用户标识）
term-demo-25 = SM2 CA 为信息中心签发部门证书（SM2 密钥，加密的 PKCS#8）
term-demo-26 = 验证 SM2 部门证书：有效（退出码 0）
term-demo-27 = 为办公室签发 SM2 印章持有者证书
term-demo-28 = SM2 制章机构为办公室制作印章：GB/T 38540 第 4 版 SESeal，SM2 签名
term-demo-29 = 赵六以 GB/T 38540 SES_Signature 对通知签章（通知的 SM3 摘要，对 TBS_Sign 的 SM2 签名）：notice-sm2.txt.ses
term-demo-30 = 审核人验证 SES 电子签章：有效（退出码 0）
term-demo-31 = 改动一个字节的副本，对照 SES 电子签章验证：无效（退出码 1）
tx-demo-exit = （退出码 { $code }）
tx-ocsp-not-on-path = OCSP：该证书不在已验证的证书路径上
tx-ocsp-issuer-not-given = OCSP：其颁发者不在所给证书之中
