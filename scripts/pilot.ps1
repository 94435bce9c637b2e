<#
.SYNOPSIS
  roamfs pilot on a real Windows machine (issue 19): installs roamfs, walks the
  operator through a logon and logoff of a test account, and checks each step
  with PASS/FAIL. Never run in CI (it needs Windows, WinFsp, an administrator and
  a test account); written on Linux without a Windows machine to try it on.

.EXAMPLE
  # In an administrator PowerShell, roamfs.exe and roamfsnp.dll beside this script:
  .\pilot.ps1 -User CORP\pilot1 -Server \\fs1\profiles$\pilot1
#>
param(
    [Parameter(Mandatory)] [string] $User,      # DOMAIN\name of the test account
    [Parameter(Mandatory)] [string] $Server,    # the account's server copy (MachineProfilePath expanded)
    [string] $InstallDir = "$env:ProgramFiles\roamfs",
    [string] $Source = $PSScriptRoot
)
$ErrorActionPreference = 'Stop'
$script:failed = 0
function Check([string] $what, [scriptblock] $test) {
    try { $ok = & $test } catch { $ok = $false; $what += " ($($_.Exception.Message))" }
    if ($ok) { Write-Host "PASS  $what" -ForegroundColor Green }
    else { Write-Host "FAIL  $what" -ForegroundColor Red; $script:failed++ }
}
function Wait-Operator([string] $text) { Read-Host "`n>>> $text, then press Enter" | Out-Null }

$name = $User.Split('\')[-1]
$sid = (New-Object System.Security.Principal.NTAccount($User)).Translate([System.Security.Principal.SecurityIdentifier]).Value
$mnt = "$env:ProgramData\roamfs\mnt\$sid"
$profileDir = "$env:SystemDrive\Users\$name"
$roaming = 'Desktop', 'Documents', 'AppData\Roaming'

# 1. Install
Check 'WinFsp is installed' { Test-Path 'HKLM:\SOFTWARE\WOW6432Node\WinFsp' }
New-Item -ItemType Directory -Force $InstallDir | Out-Null
Copy-Item "$Source\roamfs.exe", "$Source\roamfsnp.dll" $InstallDir -Force
& "$InstallDir\roamfs.exe" service install
Check 'roamfs service install exits 0' { $LASTEXITCODE -eq 0 }
Check 'the service is running' { (Get-Service roamfs).Status -eq 'Running' }
Check 'the network provider is registered' {
    (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Services\roamfs\NetworkProvider').Class -eq 2 -and
    ((Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\NetworkProvider\Order').ProviderOrder -split ',') -contains 'roamfs'
}
& "$InstallDir\roamfs.exe" service status
New-Item -Force 'HKLM:\Software\Policies\roamfs' | Out-Null
Set-ItemProperty 'HKLM:\Software\Policies\roamfs' MachineProfilePath ($Server -replace [regex]::Escape($name) + '$', '%USERNAME%')
Check 'the server copy is reachable' { Test-Path $Server }
$marker = "pilot-$(Get-Date -Format yyyyMMddHHmmss).txt"
$start = Get-Date

# 2. Logon
Wait-Operator "Log $User on (console or Remote Desktop) and leave the session open"
Check "the volume is mounted at $mnt" { Test-Path "$mnt\Documents" }
$loadedFrom = (Get-ItemProperty "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\$sid").ProfileImagePath
Check "Windows loaded the profile from the folder roamfs prepared ($profileDir; ProfileList says $loadedFrom)" {
    [Environment]::ExpandEnvironmentVariables($loadedFrom) -eq $profileDir
}
Check 'the profile was prepared before it loaded (no event 1631: the network provider asked)' {
    @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'roamfs'; Id = 1631; StartTime = $start } -ErrorAction SilentlyContinue).Count -eq 0
}
Check 'no junction failed (event 1636)' {
    @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'roamfs'; Id = 1636; StartTime = $start } -ErrorAction SilentlyContinue).Count -eq 0
}
Get-ChildItem $profileDir -Force -Filter '*.roamfs-local-*' | ForEach-Object { Write-Host "note: a local folder was kept aside: $($_.FullName)" }
foreach ($f in $roaming) {
    Check "$profileDir\$f is a junction into the volume" {
        $i = Get-Item "$profileDir\$f" -Force
        $i.LinkType -eq 'Junction' -and $i.Target -like "$mnt*"
    }
}
Check 'NTUSER.DAT is on NTFS in the profile folder' { -not ((Get-Item "$profileDir\NTUSER.DAT" -Force).Attributes -match 'ReparsePoint') }
Check 'AppData\Local is a plain NTFS folder' { -not ((Get-Item "$profileDir\AppData\Local" -Force).Attributes -match 'ReparsePoint') }
Check 'the hive loaded is the roamed copy (same size as the server''s)' {
    (Get-Item "$profileDir\NTUSER.DAT" -Force).Length -eq (Get-Item "$Server\NTUSER.DAT" -Force).Length
}
Wait-Operator "In the session, save a file named $marker in Documents"

# 3. Logoff
Wait-Operator "Log $User off and wait until the session has gone"
Check "$marker reached the server" { Test-Path "$Server\Documents\$marker" }
Check 'the volume is unmounted' { -not (Test-Path "$mnt\Documents") }
Check 'the hive went to the server at logoff' { (Get-Item "$Server\NTUSER.DAT" -Force).LastWriteTime -gt $start }
Check 'the hive on the server and in the profile folder are the same' {
    (Get-Item "$Server\NTUSER.DAT" -Force).Length -eq (Get-Item "$profileDir\NTUSER.DAT" -Force).Length
}
Check 'the junctions stay between sessions' { (Get-Item "$profileDir\Documents" -Force).LinkType -eq 'Junction' }

# 4. An edit on a second machine
Wait-Operator "On a second machine with roamfs, log $User on, append a line to Documents\$marker, log off"
$second = Get-Content "$Server\Documents\$marker"
Wait-Operator "Log $User on here again and leave the session open"
Check 'the second machine''s edit was merged here' { (Get-Content "$profileDir\Documents\$marker") -join "`n" -eq ($second -join "`n") }
Wait-Operator "Log $User off"

# 5. Events
Check 'roamfs events in the Application log' {
    @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'roamfs'; StartTime = $start } -ErrorAction SilentlyContinue).Count -gt 0
}
Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'roamfs'; StartTime = $start } -ErrorAction SilentlyContinue |
    Select-Object TimeCreated, Id, LevelDisplayName, Message | Format-Table -AutoSize -Wrap

Write-Host "`n$script:failed check(s) failed. Logs: $env:ProgramData\roamfs\service.log, $env:ProgramData\roamfs\cache\$sid\state\roamfs.log"
exit [int]($script:failed -gt 0)
