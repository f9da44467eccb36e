#!/usr/bin/env pwsh
# Build, test, pack and run the Xiaozhi IM gateway. Twin of build.sh: same verbs, same environment variables.
[CmdletBinding()]
param(
    [Parameter(Position = 0)][string]$Verb = 'help',
    # Options passed on by 'bench' (e.g. --quick, or micro and BenchmarkDotNet arguments).
    [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

$Solution = 'Xiaozhi.sln'
$Configuration = if ($env:CONFIGURATION) { $env:CONFIGURATION } else { 'Debug' }
$PackagesDir = Join-Path $PSScriptRoot 'artifacts/packages'

$ImPort = if ($env:XIAOZHI_IM_PORT) { $env:XIAOZHI_IM_PORT } else { '8000' }
$ManagementPort = if ($env:XIAOZHI_MANAGEMENT_PORT) { $env:XIAOZHI_MANAGEMENT_PORT } else { '9090' }
$AiPort = if ($env:XIAOZHI_AI_PORT) { $env:XIAOZHI_AI_PORT } else { '50051' }
$OtaPort = if ($env:XIAOZHI_OTA_PORT) { $env:XIAOZHI_OTA_PORT } else { '8003' }
$PublicHost = if ($env:XIAOZHI_PUBLIC_HOST) { $env:XIAOZHI_PUBLIC_HOST } else { '127.0.0.1' }
$JwtSecret = if ($env:XIAOZHI_JWT_SECRET) { $env:XIAOZHI_JWT_SECRET } else { 'xiaozhi-dev-secret-change-me-before-deploying' }
$SampleDeviceId = if ($env:XIAOZHI_SAMPLE_DEVICE_ID) { $env:XIAOZHI_SAMPLE_DEVICE_ID } else { 'aa:bb:cc:dd:ee:ff' }

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Show-Usage {
    @"
Usage: ./build.ps1 <verb>

Verbs:
  restore   dotnet restore the solution
  build     build the solution ($Configuration; set CONFIGURATION=Release to change)
  test      run every test (unit + end-to-end) and print a "N passed, N failed" summary
  pack      pack Xiaozhi.Grpc.Proto (.nupkg + .snupkg) into artifacts/packages
  run       start the stub AI service and the IM gateway; prints the WebSocket URL, the OTA URL and a dev token
  bench     Release benchmark harness: raw echo vs IM (latency ratios, CPU/frame, RSS/device, scaling,
            backend restart; the stub published native first); prints figures, never a test. Options after
            the verb (--quick ~1.5 min; --stub jit; --help).
            'bench micro [BenchmarkDotNet args]' runs the hot-path micro-benchmarks (short in-process job);
            'bench cluster [N]' two cluster nodes on redis-server (N devices, 1000); 'bench haproxy [N]'
            the real haproxy in front of them and its added hop (needs redis-server and haproxy);
            'bench balance [N] [--quick]' two stubs with faults and one IM node per balancing policy (N
            devices, 40): time to first audio and each endpoint's share of turns in six cases (~6 min)
  soak      'soak [minutes] [--seed N] [--devices N]' (5, 1, 40): the three IM nodes the shipped HAProxy
            configuration lists, clustered on Redis through Sentinel, behind that HAProxy, two stubs recycling connections (GOAWAY), devices coming and going
            while a seeded schedule kills and drains nodes, kills the Redis primary and a stub, reloads
            HAProxy; prints the checker's report, exit 1 on a violation (needs redis-server, redis-sentinel
            and haproxy)
  fuzz      AFL++ fuzzing of the frame parser and JSON sniffer for FUZZ_SECONDS (120); not part of CI
  clean     remove build output and artifacts
  help      this text

Environment for 'run': XIAOZHI_IM_PORT (8000), XIAOZHI_MANAGEMENT_PORT (9090), XIAOZHI_AI_PORT (50051), XIAOZHI_OTA_PORT (8003),
XIAOZHI_PUBLIC_HOST (127.0.0.1: the host in the OTA's WebSocket URL, which boards dial; set a LAN address for real
boards, 'run' lists them), XIAOZHI_JWT_SECRET (a development secret), XIAOZHI_SAMPLE_DEVICE_ID.
"@
}

# The servers the tests start themselves (never mocked, never silently skipped): command -> Debian package.
$TestTools = [ordered]@{ 'redis-server' = 'redis-server'; 'redis-sentinel' = 'redis-sentinel'; 'haproxy' = 'haproxy'; 'promtool' = 'prometheus'; 'systemd-analyze' = 'systemd' }

function Assert-TestTools {
    $missing = @($TestTools.Keys | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) } | ForEach-Object { $TestTools[$_] })
    if ($missing.Count -eq 0) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    if ($isRoot -and (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        Write-Host "test: installing $($missing -join ' ') (apt-get)"
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get update -qq | Out-Null
        & apt-get install -y -qq @missing | Out-Null
        if ($LASTEXITCODE -eq 0) { return }
        throw "test: apt-get could not install $($missing -join ' ')"
    }
    throw "test: missing test dependencies; install them first: apt-get install -y $($missing -join ' ')"
}

function Test-All {
    Assert-TestTools
    # PowerShell 7 for the tests that run this script (tool manifest .config/dotnet-tools.json).
    Invoke-Dotnet tool restore | Out-Null
    # Layout of every file (fast, no build); then the build, which enforces the .editorconfig style rules, import order
    # and the analyzers (EnforceCodeStyleInBuild, StyleCop's using-order rules; warnings are errors).
    & dotnet format whitespace . --folder --exclude artifacts --verify-no-changes -v q
    if ($LASTEXITCODE -ne 0) {
        throw 'test: files are not formatted as .editorconfig says; fix with: dotnet format whitespace . --folder --exclude artifacts'
    }
    & dotnet build $Solution -c $Configuration --nologo -v q
    if ($LASTEXITCODE -ne 0) {
        throw "test: the build failed (style, import order and analyzer rules are build errors; most fix with: dotnet format $Solution)"
    }
    $log = New-TemporaryFile
    & dotnet test $Solution -c $Configuration --no-build --nologo 2>&1 | Tee-Object -FilePath $log
    $status = $LASTEXITCODE
    $passed = 0; $failed = 0; $skipped = 0; $assemblies = 0
    foreach ($line in Get-Content $log) {
        if ($line -match '(Passed|Failed)! +- +Failed: +(\d+), +Passed: +(\d+), +Skipped: +(\d+)') {
            $failed += [int]$Matches[2]; $passed += [int]$Matches[3]; $skipped += [int]$Matches[4]; $assemblies++
        }
    }
    Remove-Item $log
    if ($assemblies -eq 0) { Write-Output 'tests: no test assembly reported results'; exit 1 }
    Write-Output "tests: $passed passed, $failed failed, $skipped skipped"
    if ($status -ne 0) { exit $status }
}

function Wait-ForPort([int]$Port, [string]$Name) {
    for ($i = 0; $i -lt 150; $i++) {
        try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $Port); $c.Dispose(); return } catch { Start-Sleep -Milliseconds 200 }
    }
    throw "$Name did not start listening on port $Port"
}

# The machine's non-loopback IPv4 addresses (what a board on the LAN can dial).
function Get-LanAddresses {
    [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
        Where-Object { $_.OperationalStatus -eq 'Up' -and $_.NetworkInterfaceType -ne 'Loopback' } |
        ForEach-Object { $_.GetIPProperties().UnicastAddresses } |
        Where-Object { $_.Address.AddressFamily -eq 'InterNetwork' -and -not [System.Net.IPAddress]::IsLoopback($_.Address) -and -not $_.Address.ToString().StartsWith('169.254.') } |
        ForEach-Object { $_.Address.ToString() }
}

function Start-Gateway {
    # Only what runs: the stub and the IM (the solution's tests and benchmarks are not needed to try it).
    Invoke-Dotnet build Xiaozhi.AiService.Stub -c $Configuration --nologo -v q
    Invoke-Dotnet build Xiaozhi.Im.Service -c $Configuration --nologo -v q
    # The OTA issues a token for any Device-Id: loopback, unless boards on the LAN must reach it (XIAOZHI_PUBLIC_HOST),
    # which the stub accepts only with Ota:AllowNonLoopback (and warns).
    $otaListen = if ($env:XIAOZHI_PUBLIC_HOST) { @('--Ota:Urls', "http://0.0.0.0:$OtaPort", '--Ota:AllowNonLoopback', 'true') } else { @('--Ota:Urls', "http://127.0.0.1:$OtaPort") }
    $stub = Start-Process dotnet -PassThru -NoNewWindow -ArgumentList (@(
        'run', '--no-build', '-c', $Configuration, '--project', 'Xiaozhi.AiService.Stub', '--',
        '--urls', "http://127.0.0.1:$AiPort") + $otaListen + @(
        '--Ota:WebSocketUrl', "ws://${PublicHost}:$ImPort/xiaozhi/v1/", '--Auth:JwtSecret', $JwtSecret))
    try {
        Wait-ForPort $AiPort 'The stub AI service'
        $im = Start-Process dotnet -PassThru -NoNewWindow -ArgumentList @(
            # Development: the default XIAOZHI_JWT_SECRET is public, and the gateway refuses it in any other environment.
            'run', '--no-build', '-c', $Configuration, '--project', 'Xiaozhi.Im.Service', '--', '--environment', 'Development',
            '--urls', "http://0.0.0.0:$ImPort", '--Ai:Endpoints:0', "http://127.0.0.1:$AiPort", '--Management:Urls', "http://127.0.0.1:$ManagementPort", '--Auth:JwtSecret', $JwtSecret)
        try {
            Wait-ForPort $ImPort 'The IM gateway'
            Wait-ForPort $OtaPort "The stub's OTA endpoint"
            $ota = "http://${PublicHost}:$OtaPort/xiaozhi/ota/"
            # Fetched over loopback whatever the public host is (the same stub answers on every address).
            try {
                $token = (Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$OtaPort/xiaozhi/ota/" -Headers @{ 'Device-Id' = $SampleDeviceId } -ContentType 'application/json' -Body '{}').websocket.token
            } catch { $token = "(could not fetch; POST $ota with a Device-Id header)" }
            # The OTA hands boards ws://$PublicHost:..., and a board dials exactly that: 127.0.0.1 is the board itself.
            # Loopback stays the default (a guessed address may be a container bridge or VPN); the LAN addresses are shown.
            $lan = @(Get-LanAddresses) -join ' '
            $lanLine = if ($env:XIAOZHI_PUBLIC_HOST) {
                "LAN address(es)              $(if ($lan) { $lan } else { 'none found' })   (the OTA hands out $PublicHost, from XIAOZHI_PUBLIC_HOST)"
            } else {
                "LAN address(es)              $(if ($lan) { $lan } else { 'none found' })   (boards cannot reach 127.0.0.1: XIAOZHI_PUBLIC_HOST=<address> ./build.ps1 run hands one out)"
            }
            @"

  Stub AI service (gRPC, h2c)  http://127.0.0.1:$AiPort
  OTA (stock clients)          $ota
  IM gateway (devices)         ws://${PublicHost}:$ImPort/xiaozhi/v1/   (also / and /ws)
  IM management (local only)   http://127.0.0.1:$ManagementPort/healthz  /readyz  /metrics
  $lanLine
  Sample Device-Id             $SampleDeviceId
  Dev token (7 days)           $token

  Connect with headers:  Authorization: Bearer <token>, Device-Id: $SampleDeviceId, Client-Id: <uuid>, Protocol-Version: 1
  Press Ctrl+C to stop both.

"@
            Wait-Process -Id $stub.Id, $im.Id
        } finally { if (-not $im.HasExited) { Stop-Process -Id $im.Id } }
    } finally { if (-not $stub.HasExited) { Stop-Process -Id $stub.Id } }
}

switch ($Verb) {
    'restore' { Invoke-Dotnet restore $Solution --nologo }
    'build' { Invoke-Dotnet build $Solution -c $Configuration --nologo }
    'test' { Test-All }
    'pack' {
        New-Item -ItemType Directory -Force -Path $PackagesDir | Out-Null
        Invoke-Dotnet pack Xiaozhi.Grpc.Proto/Xiaozhi.Grpc.Proto.csproj -c Release -o $PackagesDir --nologo
        Get-ChildItem $PackagesDir -Include *.nupkg, *.snupkg -Recurse | ForEach-Object { $_.FullName }
    }
    'run' { Start-Gateway }
    'bench' {
        # Figures, never a test: Release build, servers as child processes, loopback only. Same steps as build.sh bench.
        if ($Rest.Count -gt 0 -and $Rest[0] -eq 'micro') {
            $micro = @($Rest | Select-Object -Skip 1)
            Invoke-Dotnet run -c Release --project bench/Xiaozhi.Bench.Micro -- @micro
        } else {
            Invoke-Dotnet build bench/Xiaozhi.Bench -c Release --nologo -v q
            # The stub (B) runs native by default, like the Go AI service's binary (--stub jit runs its Release build).
            $stubIndex = [Array]::IndexOf($Rest, '--stub')
            $jitStub = $stubIndex -ge 0 -and $stubIndex + 1 -lt $Rest.Count -and $Rest[$stubIndex + 1] -eq 'jit'
            $help = $Rest -contains '-h' -or $Rest -contains '--help'
            # The cluster, haproxy and balance runs use the stub's JIT build, so they need no native publish.
            $ownRun = $Rest.Count -gt 0 -and ($Rest[0] -eq 'cluster' -or $Rest[0] -eq 'haproxy' -or $Rest[0] -eq 'balance')
            if (-not $jitStub -and -not $help -and -not $ownRun) {
                & dotnet publish Xiaozhi.AiService.Stub -c Release -p:PublishAot=true -o (Join-Path $PSScriptRoot 'artifacts/stub-native') --nologo -v q
                if ($LASTEXITCODE -ne 0) { throw "bench: the native stub did not publish (see above); './build.ps1 bench --stub jit' runs without it" }
            }
            Invoke-Dotnet bench/Xiaozhi.Bench/bin/Release/net10.0/Xiaozhi.Bench.dll @Rest
        }
    }
    'soak' {
        # The fleet under faults, checked from the devices' side. Same steps as build.sh soak.
        Assert-TestTools
        Invoke-Dotnet build bench/Xiaozhi.Bench -c Release --nologo -v q
        Invoke-Dotnet bench/Xiaozhi.Bench/bin/Release/net10.0/Xiaozhi.Bench.dll soak @Rest
    }
    'fuzz' {
        # AFL++ over the device-facing parsers; Linux only (AFL), not part of CI. Same steps as build.sh fuzz.
        $seconds = if ($env:FUZZ_SECONDS) { $env:FUZZ_SECONDS } else { '120' }
        $out = Join-Path $PSScriptRoot 'artifacts/fuzz'
        if (-not (Get-Command afl-fuzz -ErrorAction SilentlyContinue)) { throw 'afl-fuzz not found: install afl++' }
        Invoke-Dotnet tool restore
        Invoke-Dotnet publish fuzz/Xiaozhi.Im.Service.Fuzz -c Release -o "$out/bin" --nologo -v q
        # The seed corpus must pass before instrumenting (instrumented code only runs under AFL's forkserver).
        Invoke-Dotnet "$out/bin/Xiaozhi.Im.Service.Fuzz.dll" --replay fuzz/corpus
        Invoke-Dotnet tool run sharpfuzz "$out/bin/Xiaozhi.Im.Service.dll"
        $env:AFL_SKIP_BIN_CHECK = '1'; $env:AFL_SKIP_CPUFREQ = '1'; $env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'; $env:AFL_NO_UI = '1'
        & afl-fuzz -i fuzz/corpus -o "$out/findings" -V $seconds -t 10000 -m none -- dotnet "$out/bin/Xiaozhi.Im.Service.Fuzz.dll"
        $crashes = @(Get-ChildItem "$out/findings" -Recurse -File -Filter 'id:*' | Where-Object { $_.DirectoryName -like '*crashes*' }).Count
        Write-Output "fuzz: $seconds s, $crashes crashing inputs (in $out/findings/*/crashes; reproduce with: dotnet run --project fuzz/Xiaozhi.Im.Service.Fuzz -- --replay <dir>)"
        if ($crashes -ne 0) { exit 1 }
    }
    'clean' {
        & dotnet clean $Solution --nologo -v q
        Get-ChildItem -Path $PSScriptRoot -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force
        Get-ChildItem -Path $PackagesDir -Exclude .gitkeep | Remove-Item -Recurse -Force
    }
    { $_ -in 'help', '-h', '--help' } { Show-Usage }
    # To stderr like build.sh (Write-Error would stop the script with exit 1 under ErrorActionPreference Stop).
    default { [Console]::Error.WriteLine("unknown verb: $Verb"); [Console]::Error.WriteLine((Show-Usage)); exit 2 }
}
